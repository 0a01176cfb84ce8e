//go:build !microreg_dev

package microreg

// The installed libmicroreg (make install, or the microreg .deb), found through
// pkg-config as cgo bindings to system libraries are: set PKG_CONFIG_PATH for a
// prefix of your own. Inside this repository, -tags microreg_dev links
// target/release/libmicroreg.a instead (link_dev.go).

// #cgo pkg-config: microreg
import "C"
