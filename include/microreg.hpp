// microreg: a service registry for every language — the C++17 API.
//
// Header-only RAII wrapper over the C API in microreg.h: Registry and Watcher
// own their handles (move-only), failures throw microreg::Error carrying the
// status code and message, strings go in and out as std::string (JSON, as in
// the C API). Thread safety is the C API's: one Registry may be used from many
// threads at once; a Watcher's next() and stop() too.
//
//   microreg::Registry registry;    // the defaults: $MICRO_REGISTRY, else mdns; domain "micro"
//   registry.register_service(R"({"name":"greeter","version":"1.0.0",
//       "nodes":[{"id":"greeter-1","address":"10.0.0.5:8080"}]})");  // TTL 90 s, kept alive
//   std::string services = registry.get_service("greeter");  // JSON array
#ifndef MICROREG_HPP
#define MICROREG_HPP

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "microreg.h"

namespace microreg {

// A failed call: code() is a microreg_status (negative), what() its message.
class Error : public std::runtime_error {
public:
    Error(int code, const std::string &message) : std::runtime_error(message), code_(code) {}
    int code() const noexcept { return code_; }
    bool not_found() const noexcept { return code_ == MICROREG_ERR_NOT_FOUND; }

private:
    int code_;
};

namespace detail {

inline void check(int status) {
    if (status != MICROREG_OK) {
        throw Error(status, microreg_last_error());
    }
}

// "" stands for "no options" (NULL in the C API).
inline const char *optional_c_str(const std::string &text) {
    return text.empty() ? nullptr : text.c_str();
}

// Takes ownership of a string returned by the C API.
inline std::string take(char *owned) {
    std::unique_ptr<char, void (*)(char *)> guard(owned, microreg_string_free);
    return owned ? std::string(owned) : std::string();
}

// What a callback watch keeps alive until its done callback.
struct CallbackState {
    std::function<void(const std::string &)> on_event;
    std::function<void()> on_done;
};

extern "C" inline void deliver_event(void *user_data, const char *event_json) {
    auto *state = static_cast<CallbackState *>(user_data);
    try {
        state->on_event(event_json);
    } catch (...) {
        // Exceptions cannot cross the C boundary: an event whose handler threw is dropped.
    }
}

extern "C" inline void deliver_done(void *user_data) {
    std::unique_ptr<CallbackState> state(static_cast<CallbackState *>(user_data));
    try {
        if (state->on_done) {
            state->on_done();
        }
    } catch (...) {
    }
}

}  // namespace detail

class Registry;

// A watch: polled with next(), or (made with callbacks) feeding them on a
// thread of its own. Destroying it stops it; for a callback watch, the
// destructor waits until the done callback has returned (unless called from
// inside a callback of this watch).
class Watcher {
public:
    Watcher(Watcher &&other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    Watcher &operator=(Watcher &&other) noexcept {
        if (this != &other) {
            microreg_watcher_free(handle_);
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }
    Watcher(const Watcher &) = delete;
    Watcher &operator=(const Watcher &) = delete;
    ~Watcher() { microreg_watcher_free(handle_); }

    // The next event as JSON, or nullopt when none came within `timeout`.
    // Throws Error (code MICROREG_ERR_WATCHER_STOPPED) once stopped.
    std::optional<std::string> next(std::chrono::milliseconds timeout) {
        char *event = nullptr;
        auto ms = timeout.count() > INT32_MAX ? INT32_MAX : static_cast<int32_t>(timeout.count());
        int status = microreg_watcher_next(handle_, ms < 0 ? 0 : ms, &event);
        if (status == MICROREG_ERR_TIMEOUT) {
            return std::nullopt;
        }
        detail::check(status);
        return detail::take(event);
    }

    // Waits without limit for the next event; throws Error once stopped.
    std::string next() {
        char *event = nullptr;
        detail::check(microreg_watcher_next(handle_, -1, &event));
        return detail::take(event);
    }

    // Makes a waiting next() (on any thread) and later ones throw. Idempotent.
    void stop() { detail::check(microreg_watcher_stop(handle_)); }

    microreg_watcher *get() const noexcept { return handle_; }

private:
    friend class Registry;
    explicit Watcher(microreg_watcher *handle) noexcept : handle_(handle) {}
    microreg_watcher *handle_;
};

// A registry handle. Registrations made through it stay alive (TTL refresh)
// until deregistered or the Registry is destroyed, which deregisters them.
class Registry {
public:
    // config_json: "" for the defaults (backend $MICRO_REGISTRY, else mdns; domain
    // "micro"; register TTL 90 s), or one flat object of common and backend keys,
    // e.g. R"({"backend":"etcd","addresses":["10.0.0.1:2379"],"tls_ca":"/etc/ca.pem"})"
    // (see microreg_registry_new).
    explicit Registry(const std::string &config_json = std::string()) : handle_(nullptr) {
        detail::check(microreg_registry_new(detail::optional_c_str(config_json), &handle_));
    }
    Registry(Registry &&other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
    Registry &operator=(Registry &&other) noexcept {
        if (this != &other) {
            microreg_registry_free(handle_);
            handle_ = std::exchange(other.handle_, nullptr);
        }
        return *this;
    }
    Registry(const Registry &) = delete;
    Registry &operator=(const Registry &) = delete;
    ~Registry() { microreg_registry_free(handle_); }

    // service_json: go-micro's Service JSON; options_json: "" or {"ttl_ms":..,"domain":..}
    // (no ttl_ms: the registry's register TTL, 90 s by default; "ttl_ms":0: no TTL).
    void register_service(const std::string &service_json,
                          const std::string &options_json = std::string()) {
        detail::check(microreg_registry_register(handle_, service_json.c_str(),
                                                 detail::optional_c_str(options_json)));
    }

    // The configuration in use: one flat JSON object, defaults and environment
    // resolved, the etcd password shown as "***".
    std::string config() const {
        char *json = nullptr;
        detail::check(microreg_registry_config(handle_, &json));
        return detail::take(json);
    }

    // options_json: "" or {"domain":..}.
    void deregister_service(const std::string &service_json,
                            const std::string &options_json = std::string()) {
        detail::check(microreg_registry_deregister(handle_, service_json.c_str(),
                                                   detail::optional_c_str(options_json)));
    }

    // A JSON array of Service; throws Error with not_found() when nobody serves `name`.
    std::string get_service(const std::string &name,
                            const std::string &options_json = std::string()) {
        char *services = nullptr;
        detail::check(microreg_registry_get_service(
            handle_, name.c_str(), detail::optional_c_str(options_json), &services));
        return detail::take(services);
    }

    // A JSON array of Service.
    std::string list_services(const std::string &options_json = std::string()) {
        char *services = nullptr;
        detail::check(microreg_registry_list_services(
            handle_, detail::optional_c_str(options_json), &services));
        return detail::take(services);
    }

    // A polled watch; options_json: "" or {"service":..,"domain":..}.
    Watcher watch(const std::string &options_json = std::string()) {
        microreg_watcher *watcher = nullptr;
        detail::check(
            microreg_registry_watch(handle_, detail::optional_c_str(options_json), &watcher));
        return Watcher(watcher);
    }

    // A callback watch: on_event(event_json) for each event, then on_done()
    // exactly once, all on one thread that microreg starts for this watch.
    // Exceptions thrown by the callbacks are caught and dropped.
    Watcher watch(std::function<void(const std::string &)> on_event,
                  std::function<void()> on_done = nullptr,
                  const std::string &options_json = std::string()) {
        auto state = std::make_unique<detail::CallbackState>();
        state->on_event = std::move(on_event);
        state->on_done = std::move(on_done);
        microreg_watcher *watcher = nullptr;
        detail::check(microreg_registry_watch_callback(
            handle_, detail::optional_c_str(options_json), detail::deliver_event,
            detail::deliver_done, state.get(), &watcher));
        state.release();  // now owned by the watch; deliver_done deletes it
        return Watcher(watcher);
    }

    microreg_registry *get() const noexcept { return handle_; }

private:
    microreg_registry *handle_;
};

// The loaded library's version, e.g. "0.1.0".
inline std::string version() { return microreg_version(); }

}  // namespace microreg

#endif  // MICROREG_HPP
