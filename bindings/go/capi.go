package microreg

// The only file that calls the C ABI. Each call goes through a small C shim that
// copies microreg_last_error() (a thread-local of the library) in the same C
// call: a goroutine may run on another OS thread by the time it could ask.

// Where libmicroreg comes from: link_installed.go (pkg-config, the default) or
// link_dev.go (this repository's static library, -tags microreg_dev).

/*
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

// A Go string (no NUL of its own) NUL-terminated for C: in `small` when it
// fits, on the C stack of the caller, instead of in a Go allocation per call;
// else malloc'd. NULL when out of memory. Release with mr_name_free.
static char *mr_name(_GoString_ name, char *small, size_t size) {
	size_t len = _GoStringLen(name);
	char *cname = len < size ? small : malloc(len + 1);
	if (cname == NULL) return NULL;
	if (len > 0) memcpy(cname, _GoStringPtr(name), len); // "" may have no data pointer
	cname[len] = '\0';
	return cname;
}

static void mr_name_free(char *cname, char *small) {
	if (cname != small) free(cname);
}

typedef int (*mr_lookup_fn)(microreg_registry *, const char *, const char *, char **);

// A lookup by name (get_service, select) with the name as a Go string.
static mr_answer mr_lookup(mr_lookup_fn lookup, microreg_registry *r, _GoString_ name,
                           const char *options) {
	mr_answer a = {0, NULL, NULL};
	char small[256];
	char *cname = mr_name(name, small, sizeof small);
	if (cname == NULL) {
		a.rc = MICROREG_ERR_INTERNAL;
		a.err = strdup("internal error: out of memory");
		return a;
	}
	a.rc = lookup(r, cname, options, &a.out);
	a.err = mr_error(a.rc);
	mr_name_free(cname, small);
	return a;
}

static mr_answer mr_get_service(microreg_registry *r, _GoString_ name, const char *options) {
	return mr_lookup(microreg_registry_get_service, r, name, options);
}

static mr_answer mr_select(microreg_registry *r, _GoString_ name, const char *options) {
	return mr_lookup(microreg_registry_select, r, name, options);
}

static int mr_mark(microreg_registry *r, const char *node_id, int outcome, char **err) {
	int rc = microreg_registry_mark(r, node_id, outcome);
	*err = mr_error(rc);
	return rc;
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

// cSelect picks a node of name; name must hold no NUL byte.
func cSelect(r cRegistry, name string, options []byte, use func([]byte) error) error {
	a := C.mr_select(r, name, ptr(options))
	if err := status(a.rc, a.err); err != nil {
		return err
	}
	return takeJSON(a.out, use)
}

// cMark reports a call to nodeID (NUL-terminated) as ok or failed.
func cMark(r cRegistry, nodeID []byte, ok bool) error {
	outcome := C.int(C.MICROREG_OUTCOME_FAILED)
	if ok {
		outcome = C.int(C.MICROREG_OUTCOME_OK)
	}
	var msg *C.char
	rc := C.mr_mark(r, ptr(nodeID), outcome, &msg)
	return status(rc, msg)
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
