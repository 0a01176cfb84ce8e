package microreg

import (
	"errors"
	"fmt"
)

// Code is a status code of the C ABI (the microreg_status enum of microreg.h).
type Code int

// Error is a failure reported by the library: its status code and message.
// errors.Is matches any *Error with the same Code, so
// errors.Is(err, ErrNotFound) holds for every "not found" the library reports.
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("microreg: %s", e.Code)
	}
	return "microreg: " + e.Message
}

// Is reports whether target is an *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Sentinels, one per kind, for errors.Is. ErrNotFound and ErrWatcherStopped
// carry go-micro's messages.
var (
	ErrNotFound           = &Error{Code: CodeNotFound, Message: "service not found"}
	ErrWatcherStopped     = &Error{Code: CodeWatcherStopped, Message: "watcher stopped"}
	ErrInvalidArgument    = &Error{Code: CodeInvalidArgument}
	ErrBackendUnavailable = &Error{Code: CodeBackendUnavailable}
	ErrTimeout            = &Error{Code: CodeTimeout}
	ErrInternal           = &Error{Code: CodeInternal}
)

// ErrClosed is returned by calls on a Registry after Close.
var ErrClosed = errors.New("microreg: registry is closed")

// invalid is an invalid-argument error found on the Go side, before any C call.
func invalid(format string, args ...any) error {
	return &Error{Code: CodeInvalidArgument, Message: "invalid argument: " + fmt.Sprintf(format, args...)}
}
