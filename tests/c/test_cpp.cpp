// The C++17 wrapper: RAII handles, exceptions with code and message,
// std::string in and out, polled and callback watches.
#include "microreg.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

// The in-process backend: these tests must not depend on the default (mdns).
static const char *const kMemory = R"({"backend":"memory"})";

#define EXPECT(cond)                                                                 \
    do {                                                                             \
        if (!(cond)) {                                                               \
            std::fprintf(stderr, "%s:%d: EXPECT failed: %s\n", __FILE__, __LINE__, #cond); \
            std::exit(1);                                                            \
        }                                                                            \
    } while (0)

using namespace std::chrono_literals;

static bool has(const std::string &text, const std::string &part) {
    return text.find(part) != std::string::npos;
}

template <typename F>
static int error_code_of(F &&call) {
    try {
        call();
    } catch (const microreg::Error &error) {
        EXPECT(error.what()[0] != '\0');
        return error.code();
    }
    return MICROREG_OK;
}

static const std::string LAMP = R"({"name":"lamp","version":"2.0.0",
    "nodes":[{"id":"lamp-1","address":"[fd77::9]:7000","metadata":{"lang":"c++"}}]})";

static void registry_basics() {
    microreg::Registry registry(kMemory);
    registry.register_service(LAMP, R"({"ttl_ms":30000})");
    std::string found = registry.get_service("lamp");
    EXPECT(has(found, R"("address":"[fd77::9]:7000")"));
    EXPECT(has(registry.list_services(), R"("name":"lamp")"));

    microreg::Registry moved = std::move(registry);  // the registration moves with it
    EXPECT(has(moved.get_service("lamp"), "lamp-1"));
    moved.deregister_service(LAMP);
    try {
        moved.get_service("lamp");
        EXPECT(false);
    } catch (const microreg::Error &error) {
        EXPECT(error.not_found());
        EXPECT(error.code() == MICROREG_ERR_NOT_FOUND);
        EXPECT(has(error.what(), "not found"));
    }
    EXPECT(error_code_of([&] { moved.register_service("{broken"); }) ==
           MICROREG_ERR_INVALID_ARGUMENT);
    EXPECT(error_code_of([&] { moved.get_service("lamp", R"({"color":"red"})"); }) ==
           MICROREG_ERR_INVALID_ARGUMENT);
    EXPECT(error_code_of([] { microreg::Registry bad(R"({"backend":"etcd"})"); }) ==
           MICROREG_ERR_BACKEND_UNAVAILABLE);
    EXPECT(microreg::version() == microreg_version());
}

static void scope_deregisters() {
    microreg::Registry observer(R"({"backend":"memory","cache":false})");
    {
        microreg::Registry owner(kMemory);
        owner.register_service(LAMP);
        EXPECT(has(observer.get_service("lamp"), "lamp-1"));
    }
    EXPECT(error_code_of([&] { observer.get_service("lamp"); }) == MICROREG_ERR_NOT_FOUND);
}

static void polled_watch() {
    microreg::Registry registry(kMemory);
    microreg::Watcher watcher = registry.watch(R"({"service":"lamp"})");
    registry.register_service(LAMP);
    auto event = watcher.next(20s);
    EXPECT(event && has(*event, R"("action":"create")"));
    EXPECT(!watcher.next(10ms));  // a timeout is nullopt, not an exception
    std::thread stopper([&] {
        std::this_thread::sleep_for(50ms);
        watcher.stop();
    });
    EXPECT(error_code_of([&] { watcher.next(); }) == MICROREG_ERR_WATCHER_STOPPED);
    stopper.join();
    registry.deregister_service(LAMP);
}

static void callback_watch() {
    microreg::Registry registry(kMemory);
    std::mutex lock;
    std::condition_variable changed;
    std::vector<std::string> events;
    int done = 0;
    {
        microreg::Watcher watcher = registry.watch(
            [&](const std::string &event) {
                std::lock_guard<std::mutex> guard(lock);
                events.push_back(event);
                changed.notify_all();
                if (events.size() == 1) {
                    throw std::runtime_error("caught by the wrapper, not by C");
                }
            },
            [&] {
                std::lock_guard<std::mutex> guard(lock);
                done++;
            },
            R"({"service":"lamp"})");
        registry.register_service(LAMP);
        registry.deregister_service(LAMP);
        std::unique_lock<std::mutex> guard(lock);
        EXPECT(changed.wait_for(guard, 20s, [&] { return events.size() >= 2; }));
        EXPECT(done == 0);
    }  // ~Watcher waits for on_done
    EXPECT(done == 1);
    EXPECT(events.size() == 2);
    EXPECT(has(events[0], R"("action":"create")"));
    EXPECT(has(events[1], R"("action":"delete")"));
}

// The defaults, through the wrapper: a Registry that names nothing is mdns in
// domain "micro" with a 90 s register TTL (run in the isolated namespace);
// MICRO_REGISTRY chooses the backend when the config does not.
static void defaults_and_environment() {
    for (const char *name : {"MICRO_REGISTRY", "MICRO_REGISTRY_ADDRESS", "ETCD_USERNAME", "ETCD_PASSWORD"}) {
        unsetenv(name);
    }
    {
        microreg::Registry registry;
        const std::string config = registry.config();
        EXPECT(has(config, R"("backend":"mdns")"));
        EXPECT(has(config, R"("domain":"micro")"));
        EXPECT(has(config, R"("register_ttl_ms":90000)"));
    }
    setenv("MICRO_REGISTRY", "memory", 1);
    {
        microreg::Registry registry;
        EXPECT(has(registry.config(), R"("backend":"memory")"));
    }
    unsetenv("MICRO_REGISTRY");
}

int main() {
    defaults_and_environment();
    registry_basics();
    scope_deregisters();
    polled_watch();
    callback_watch();
    std::puts("test_cpp: ok");
    return 0;
}
