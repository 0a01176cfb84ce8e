//go:build microreg_dev

package microreg

// Development inside this repository: the static library `make go` builds
// (make c-lib) and the checked-in header, no install needed.
// The make rules and tests of this repository build with this tag.

// #cgo CFLAGS: -I${SRCDIR}/../../include
// #cgo LDFLAGS: ${SRCDIR}/../../target/release/libmicroreg.a -ldl -lpthread -lm
import "C"
