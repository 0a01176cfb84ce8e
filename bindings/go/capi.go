package microreg

// The only file that calls the C ABI. Each call goes through a small C shim that
// copies microreg_last_error() (a thread-local of the library) in the same C
// call: a goroutine may run on another OS thread by the time it could ask.

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: ${SRCDIR}/../../target/release/libmicroreg.a -ldl -lpthread -lm
#include <stdlib.h>
#include <string.h>
#include "microreg.h"

// The message of the failure just seen on this thread, copied (free with free()).
static char *mr_error(int rc) {
	if (rc == 0) return NULL;
	const char *message = microreg_last_error();
	return strdup(message ? message : "");
}

static int mr_registry_new(const char *config, microreg_registry **out, char **err) {
	int rc = microreg_registry_new(config, out);
	*err = mr_error(rc);
	return rc;
}

static int mr_register(microreg_registry *r, const char *service, const char *options, char **err) {
	int rc = microreg_registry_register(r, service, options);
	*err = mr_error(rc);
	return rc;
}

static int mr_deregister(microreg_registry *r, const char *service, const char *options, char **err) {
	int rc = microreg_registry_deregister(r, service, options);
	*err = mr_error(rc);
	return rc;
}

// A call's status, owned answer and copied message, returned by value: the Go
// side passes no pointers to its own variables, so nothing of it escapes to the
// heap on the lookup path.
typedef struct {
	int rc;
	char *out;
	char *err;
} mr_answer;

// get_service with the name as a Go string (no NUL of its own): NUL-terminated
// here, on the C stack when short, instead of in a Go allocation per call.
static mr_answer mr_get_service(microreg_registry *r, _GoString_ name, const char *options) {
	mr_answer a = {0, NULL, NULL};
	size_t len = _GoStringLen(name);
	char small[256];
	char *cname = len < sizeof small ? small : malloc(len + 1);
	if (cname == NULL) {
		a.rc = MICROREG_ERR_INTERNAL;
		a.err = strdup("internal error: out of memory");
		return a;
	}
	if (len > 0) memcpy(cname, _GoStringPtr(name), len); // "" may have no data pointer
	cname[len] = '\0';
	a.rc = microreg_registry_get_service(r, cname, options, &a.out);
	a.err = mr_error(a.rc);
	if (cname != small) free(cname);
	return a;
}

static int mr_list_services(microreg_registry *r, const char *options, char **out, char **err) {
	int rc = microreg_registry_list_services(r, options, out);
	*err = mr_error(rc);
	return rc;
}

static int mr_config_resolve(const char *config, char **out, char **err) {
	int rc = microreg_config_resolve(config, out);
	*err = mr_error(rc);
	return rc;
}

static int mr_config(microreg_registry *r, char **out, char **err) {
	int rc = microreg_registry_config(r, out);
	*err = mr_error(rc);
	return rc;
}

static int mr_watch(microreg_registry *r, const char *options, microreg_watcher **out, char **err) {
	int rc = microreg_registry_watch(r, options, out);
	*err = mr_error(rc);
	return rc;
}

static int mr_watcher_next(microreg_watcher *w, int32_t timeout_ms, char **out, char **err) {
	int rc = microreg_watcher_next(w, timeout_ms, out);
	*err = mr_error(rc);
	return rc;
}
*/
import "C"

import (
	"strings"
	"unsafe"
)

// noNUL refuses a string argument with a NUL inside: in C it would silently
// cut the string short.
func noNUL(what, s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return invalid("%s contains a NUL byte", what)
	}
	return nil
}

// cbytes is JSON NUL-terminated; nil stays nil (NULL: the library's defaults).
// encoding/json escapes NUL, so JSON never contains one.
func cbytes(json []byte) []byte {
	if json == nil {
		return nil
	}
	return append(json, 0)
}

// ptr is the C view of a NUL-terminated Go buffer, NULL for nil.
func ptr(b []byte) *C.char {
	if len(b) == 0 {
		return nil
	}
	return (*C.char)(unsafe.Pointer(&b[0]))
}

// status turns a return code and the copied message into a Go error.
func status(rc C.int, message *C.char) error {
	if rc == 0 {
		return nil
	}
	text := ""
	if message != nil {
		text = C.GoString(message)
		C.free(unsafe.Pointer(message))
	}
	return &Error{Code: Code(rc), Message: text}
}

// takeJSON hands an owned C string to use (without copying it) and frees it.
func takeJSON(s *C.char, use func([]byte) error) error {
	defer C.microreg_string_free(s)
	if s == nil {
		return &Error{Code: CodeInternal, Message: "internal error: the library returned no JSON"}
	}
	return use(unsafe.Slice((*byte)(unsafe.Pointer(s)), C.strlen(s)))
}

type cRegistry = *C.microreg_registry
type cWatcher = *C.microreg_watcher

func cRegistryNew(config []byte) (cRegistry, error) {
	var out cRegistry
	var msg *C.char
	rc := C.mr_registry_new(ptr(config), &out, &msg)
	return out, status(rc, msg)
}

func cRegistryFree(r cRegistry) { C.microreg_registry_free(r) }

func cRegister(r cRegistry, service, options []byte) error {
	var msg *C.char
	rc := C.mr_register(r, ptr(service), ptr(options), &msg)
	return status(rc, msg)
}

func cDeregister(r cRegistry, service, options []byte) error {
	var msg *C.char
	rc := C.mr_deregister(r, ptr(service), ptr(options), &msg)
	return status(rc, msg)
}

// cGetService looks name up; name must hold no NUL byte (see hasNUL).
func cGetService(r cRegistry, name string, options []byte, use func([]byte) error) error {
	a := C.mr_get_service(r, name, ptr(options))
	if err := status(a.rc, a.err); err != nil {
		return err
	}
	return takeJSON(a.out, use)
}

func cListServices(r cRegistry, options []byte, use func([]byte) error) error {
	var out, msg *C.char
	rc := C.mr_list_services(r, ptr(options), &out, &msg)
	if err := status(rc, msg); err != nil {
		return err
	}
	return takeJSON(out, use)
}

func cConfigResolve(config []byte, use func([]byte) error) error {
	var out, msg *C.char
	rc := C.mr_config_resolve(ptr(config), &out, &msg)
	if err := status(rc, msg); err != nil {
		return err
	}
	return takeJSON(out, use)
}

func cConfig(r cRegistry, use func([]byte) error) error {
	var out, msg *C.char
	rc := C.mr_config(r, &out, &msg)
	if err := status(rc, msg); err != nil {
		return err
	}
	return takeJSON(out, use)
}

func cWatch(r cRegistry, options []byte) (cWatcher, error) {
	var out cWatcher
	var msg *C.char
	rc := C.mr_watch(r, ptr(options), &out, &msg)
	return out, status(rc, msg)
}

func cWatcherNext(w cWatcher, timeoutMs int32, use func([]byte) error) error {
	var out, msg *C.char
	rc := C.mr_watcher_next(w, C.int32_t(timeoutMs), &out, &msg)
	if err := status(rc, msg); err != nil {
		return err
	}
	return takeJSON(out, use)
}

// cWatcherStop wakes a waiting cWatcherNext on another thread (it returns
// "watcher stopped"); later calls return that too.
func cWatcherStop(w cWatcher) { C.microreg_watcher_stop(w) }

func cWatcherFree(w cWatcher) { C.microreg_watcher_free(w) }

// libraryVersion is microreg_version(): the version of the linked library.
func libraryVersion() string { return C.GoString(C.microreg_version()) }
