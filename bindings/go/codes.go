package microreg

// #include "microreg.h"
import "C"

// The status codes of the C ABI, from microreg.h.
const (
	CodeInvalidArgument    Code = C.MICROREG_ERR_INVALID_ARGUMENT
	CodeNotFound           Code = C.MICROREG_ERR_NOT_FOUND
	CodeTimeout            Code = C.MICROREG_ERR_TIMEOUT
	CodeBackendUnavailable Code = C.MICROREG_ERR_BACKEND_UNAVAILABLE
	CodeWatcherStopped     Code = C.MICROREG_ERR_WATCHER_STOPPED
	CodeInternal           Code = C.MICROREG_ERR_INTERNAL
	CodePanic              Code = C.MICROREG_ERR_PANIC
)

// String is the library's short description of the code ("not found", ...).
func (c Code) String() string { return C.GoString(C.microreg_status_str(C.int(c))) }
