module github.com/microreg/microreg/bindings/go

go 1.22
