module microreg.test/interop/gomicro

go 1.22

require go-micro.dev/v5 v5.3.0

require (
	github.com/google/uuid v1.3.0 // indirect
	github.com/miekg/dns v1.1.43 // indirect
	golang.org/x/net v0.23.0 // indirect
	golang.org/x/sys v0.18.0 // indirect
)
