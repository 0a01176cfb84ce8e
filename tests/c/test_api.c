/* The C API's behaviour with the memory backend: register/get/list/deregister,
 * domains, polled and callback watches, keep-alive, out-parameters. */
#include "check.h"

#include <pthread.h>

static const char *GREETER =
    "{\"name\":\"greeter\",\"version\":\"1.0.0\",\"metadata\":{\"team\":\"c\"},"
    "\"nodes\":[{\"id\":\"greeter-1\",\"address\":\"10.0.0.5:8080\",\"metadata\":{}}]}";

static void test_register_get_list_deregister(void) {
    microreg_registry *r = NULL;
    CHECK_OK(microreg_registry_new(MEMORY_CONFIG, &r));
    CHECK(r != NULL);
    CHECK_OK(microreg_registry_register(r, GREETER, "{\"ttl_ms\":30000}"));

    char *found = NULL;
    CHECK_OK(microreg_registry_get_service(r, "greeter", NULL, &found));
    CHECK(found[0] == '[');
    CHECK(contains(found, "\"address\":\"10.0.0.5:8080\""));
    CHECK(contains(found, "\"team\":\"c\""));
    microreg_string_free(found);

    char *listed = NULL;
    CHECK_OK(microreg_registry_list_services(r, "{}", &listed));
    CHECK(contains(listed, "\"name\":\"greeter\""));
    microreg_string_free(listed);

    CHECK_OK(microreg_registry_deregister(r, GREETER, NULL));
    char marker = 0;
    char *untouched = &marker;
    CHECK_STATUS(microreg_registry_get_service(r, "greeter", NULL, &untouched),
                 MICROREG_ERR_NOT_FOUND);
    CHECK(untouched == &marker); /* out-parameters are written only on success */
    CHECK(contains(microreg_last_error(), "not found"));
    microreg_registry_free(r);
}

static void test_domains(void) {
    microreg_registry *r = NULL;
    CHECK_OK(microreg_registry_new("{\"backend\":\"memory\",\"domain\":\"shop\"}", &r));
    const char *cart = "{\"name\":\"cart\",\"version\":\"2\","
                       "\"nodes\":[{\"id\":\"cart-1\",\"address\":\"10.0.0.6:9000\"}]}";
    CHECK_OK(microreg_registry_register(r, cart, NULL)); /* the handle's domain: shop */
    char *found = NULL;
    CHECK_OK(microreg_registry_get_service(r, "cart", NULL, &found));
    microreg_string_free(found);
    CHECK_STATUS(microreg_registry_get_service(r, "cart", "{\"domain\":\"micro\"}", &found),
                 MICROREG_ERR_NOT_FOUND);
    CHECK_OK(microreg_registry_get_service(r, "cart", "{\"domain\":\"*\"}", &found));
    CHECK(contains(found, "\"domain\":\"shop\"")); /* the wildcard view names the domain */
    microreg_string_free(found);
    CHECK_STATUS(microreg_registry_register(r, cart, "{\"domain\":\"*\"}"),
                 MICROREG_ERR_INVALID_ARGUMENT);
    CHECK_OK(microreg_registry_deregister(r, cart, "{\"domain\":\"shop\"}"));
    CHECK_STATUS(microreg_registry_get_service(r, "cart", NULL, &found), MICROREG_ERR_NOT_FOUND);
    microreg_registry_free(r);
}

static char *next_event(microreg_watcher *w) {
    char *event = NULL;
    CHECK_OK(microreg_watcher_next(w, DEADLINE_MS, &event));
    return event;
}

static void *stop_later(void *watcher) {
    sleep_ms(100);
    CHECK_OK(microreg_watcher_stop((microreg_watcher *)watcher));
    return NULL;
}

static void test_polled_watch(void) {
    microreg_registry *r = NULL;
    CHECK_OK(microreg_registry_new(MEMORY_CONFIG, &r));
    microreg_watcher *w = NULL;
    CHECK_OK(microreg_registry_watch(r, "{\"service\":\"clock\"}", &w));

    const char *v1 = "{\"name\":\"clock\",\"version\":\"1\","
                     "\"nodes\":[{\"id\":\"clock-1\",\"address\":\"10.0.0.7:1\"}]}";
    const char *v1_moved = "{\"name\":\"clock\",\"version\":\"1\","
                           "\"nodes\":[{\"id\":\"clock-1\",\"address\":\"10.0.0.8:1\"}]}";
    const char *other = "{\"name\":\"other\",\"version\":\"1\","
                        "\"nodes\":[{\"id\":\"other-1\",\"address\":\"10.0.0.9:1\"}]}";
    CHECK_OK(microreg_registry_register(r, other, NULL)); /* filtered out */
    CHECK_OK(microreg_registry_register(r, v1, NULL));
    CHECK_OK(microreg_registry_register(r, v1_moved, NULL));
    CHECK_OK(microreg_registry_deregister(r, v1_moved, NULL));

    const char *expected[3] = {"\"action\":\"create\"", "\"action\":\"update\"",
                               "\"action\":\"delete\""};
    for (int i = 0; i < 3; i++) {
        char *event = next_event(w);
        CHECK(contains(event, expected[i]));
        CHECK(contains(event, "\"name\":\"clock\""));
        CHECK(contains(event, "\"id\":\"clock-1\""));
        CHECK(contains(event, "\"timestamp\":\""));
        microreg_string_free(event);
    }
    char marker = 0;
    char *untouched = &marker;
    CHECK_STATUS(microreg_watcher_next(w, 50, &untouched), MICROREG_ERR_TIMEOUT);
    CHECK_STATUS(microreg_watcher_next(w, 0, &untouched), MICROREG_ERR_TIMEOUT);
    CHECK(untouched == &marker);

    /* stop() from another thread ends a wait without limit. */
    pthread_t stopper;
    CHECK(pthread_create(&stopper, NULL, stop_later, w) == 0);
    CHECK_STATUS(microreg_watcher_next(w, -1, &untouched), MICROREG_ERR_WATCHER_STOPPED);
    CHECK(pthread_join(stopper, NULL) == 0);
    CHECK_STATUS(microreg_watcher_next(w, 0, &untouched), MICROREG_ERR_WATCHER_STOPPED);
    CHECK_OK(microreg_watcher_stop(w)); /* idempotent */
    CHECK(untouched == &marker);
    microreg_watcher_free(w);
    CHECK_OK(microreg_registry_deregister(r, other, NULL));
    microreg_registry_free(r);
}

/* What the callbacks of one callback watch saw. */
typedef struct {
    pthread_mutex_t lock;
    int events;
    int creates;
    int deletes;
    int done;
    int event_after_done;
    pthread_t callback_thread;
    microreg_watcher *free_me_from_callback;
} seen_t;

static void seen_init(seen_t *seen) {
    memset(seen, 0, sizeof *seen);
    pthread_mutex_init(&seen->lock, NULL);
}

static void on_event(void *user_data, const char *event_json) {
    seen_t *seen = (seen_t *)user_data;
    pthread_mutex_lock(&seen->lock);
    seen->events++;
    seen->creates += contains(event_json, "\"action\":\"create\"");
    seen->deletes += contains(event_json, "\"action\":\"delete\"");
    seen->event_after_done += seen->done;
    seen->callback_thread = pthread_self();
    microreg_watcher *to_free = seen->free_me_from_callback;
    seen->free_me_from_callback = NULL;
    pthread_mutex_unlock(&seen->lock);
    if (to_free != NULL) {
        microreg_watcher_free(to_free); /* allowed from inside a callback */
    }
}

static void on_done(void *user_data) {
    seen_t *seen = (seen_t *)user_data;
    pthread_mutex_lock(&seen->lock);
    seen->done++;
    pthread_mutex_unlock(&seen->lock);
}

static int read_locked(seen_t *seen, const int *field) {
    pthread_mutex_lock(&seen->lock);
    int value = *field;
    pthread_mutex_unlock(&seen->lock);
    return value;
}

static void wait_for(seen_t *seen, const int *field, int at_least) {
    long long deadline = now_ms() + DEADLINE_MS;
    while (read_locked(seen, field) < at_least) {
        CHECK(now_ms() < deadline);
        sleep_ms(5);
    }
}

static void test_callback_watch(void) {
    microreg_registry *r = NULL;
    CHECK_OK(microreg_registry_new(MEMORY_CONFIG, &r));
    seen_t seen;
    seen_init(&seen);
    microreg_watcher *w = NULL;
    CHECK_OK(microreg_registry_watch_callback(r, "{\"service\":\"bell\"}", on_event, on_done,
                                              &seen, &w));
    const char *bell = "{\"name\":\"bell\",\"version\":\"1\","
                       "\"nodes\":[{\"id\":\"bell-1\",\"address\":\"10.0.1.1:1\"}]}";
    CHECK_OK(microreg_registry_register(r, bell, NULL));
    CHECK_OK(microreg_registry_deregister(r, bell, NULL));
    wait_for(&seen, &seen.events, 2);
    CHECK(seen.creates == 1 && seen.deletes == 1);
    CHECK(!pthread_equal(seen.callback_thread, pthread_self()));

    char *event = NULL;
    CHECK_STATUS(microreg_watcher_next(w, 0, &event), MICROREG_ERR_INVALID_ARGUMENT);
    CHECK(read_locked(&seen, &seen.done) == 0);
    microreg_watcher_free(w); /* waits for on_done */
    CHECK(seen.done == 1);
    CHECK(seen.event_after_done == 0);
    microreg_registry_free(r);
    pthread_mutex_destroy(&seen.lock);
}

static void test_callback_watch_stop_and_free_inside(void) {
    microreg_registry *r = NULL;
    CHECK_OK(microreg_registry_new(MEMORY_CONFIG, &r));

    /* stop() ends the watch: on_done runs once, before free. */
    seen_t stopped;
    seen_init(&stopped);
    microreg_watcher *w = NULL;
    CHECK_OK(microreg_registry_watch_callback(r, NULL, on_event, on_done, &stopped, &w));
    CHECK_OK(microreg_watcher_stop(w));
    wait_for(&stopped, &stopped.done, 1);
    microreg_watcher_free(w);
    CHECK(stopped.done == 1);

    /* free() from inside on_event: on_done still runs exactly once. */
    seen_t inside;
    seen_init(&inside);
    CHECK_OK(microreg_registry_watch_callback(r, "{\"service\":\"gong\"}", on_event, on_done,
                                              &inside, &w));
    pthread_mutex_lock(&inside.lock);
    inside.free_me_from_callback = w;
    pthread_mutex_unlock(&inside.lock);
    const char *gong = "{\"name\":\"gong\",\"version\":\"1\","
                       "\"nodes\":[{\"id\":\"gong-1\",\"address\":\"10.0.1.2:1\"}]}";
    CHECK_OK(microreg_registry_register(r, gong, NULL));
    wait_for(&inside, &inside.done, 1);
    CHECK_OK(microreg_registry_deregister(r, gong, NULL));
    sleep_ms(100); /* a late event would show up as a second done or event_after_done */
    CHECK(read_locked(&inside, &inside.done) == 1);
    CHECK(read_locked(&inside, &inside.event_after_done) == 0);

    /* on_done may be NULL; on_event may not. */
    CHECK_OK(microreg_registry_watch_callback(r, NULL, on_event, NULL, &stopped, &w));
    microreg_watcher_free(w);
    CHECK_STATUS(microreg_registry_watch_callback(r, NULL, NULL, on_done, &stopped, &w),
                 MICROREG_ERR_INVALID_ARGUMENT);
    microreg_registry_free(r);
    pthread_mutex_destroy(&stopped.lock);
    pthread_mutex_destroy(&inside.lock);
}

static int is_found(microreg_registry *r, const char *name) {
    char *found = NULL;
    int status = microreg_registry_get_service(r, name, NULL, &found);
    CHECK(status == MICROREG_OK || status == MICROREG_ERR_NOT_FOUND);
    microreg_string_free(found);
    return status == MICROREG_OK;
}

/* A handle keeps its registrations alive past their TTL, and freeing it
 * deregisters them. */
static void test_keep_alive_until_free(void) {
    microreg_registry *owner = NULL;
    microreg_registry *observer = NULL;
    CHECK_OK(microreg_registry_new(MEMORY_CONFIG, &owner));
    CHECK_OK(microreg_registry_new("{\"backend\":\"memory\",\"cache\":false}", &observer));
    const char *beat = "{\"name\":\"heartbeat\",\"version\":\"1\","
                       "\"nodes\":[{\"id\":\"heartbeat-1\",\"address\":\"10.0.1.3:1\"}]}";
    CHECK_OK(microreg_registry_register(owner, beat, "{\"ttl_ms\":300}"));
    sleep_ms(1500); /* five TTLs */
    CHECK(is_found(observer, "heartbeat"));
    microreg_registry_free(owner);
    CHECK(!is_found(observer, "heartbeat"));
    microreg_registry_free(observer);
}

/* Port 1 on loopback: refused at once, inside the test namespace too. */
#define UNREACHABLE_ETCD_CONFIG \
    "{\"backend\":\"etcd\",\"addresses\":[\"127.0.0.1:1\"],\"dial_timeout_ms\":200,\"timeout_ms\":1000}"

static void test_errors_and_status_names(void) {
    CHECK(strcmp(microreg_status_str(MICROREG_OK), "ok") == 0);
    CHECK(strcmp(microreg_status_str(MICROREG_ERR_NOT_FOUND), "not found") == 0);
    CHECK(strcmp(microreg_status_str(MICROREG_ERR_TIMEOUT), "timed out") == 0);
    CHECK(strcmp(microreg_status_str(12345), "unknown status") == 0);

    /* An etcd cluster nobody listens for: the registry is made (it connects on
     * demand), and its first lookup fails with a message that names etcd. */
    microreg_registry *r = NULL;
    CHECK_OK(microreg_registry_new(UNREACHABLE_ETCD_CONFIG, &r));
    char *json = NULL;
    CHECK_STATUS(microreg_registry_get_service(r, "lamp", NULL, &json),
                 MICROREG_ERR_BACKEND_UNAVAILABLE);
    CHECK(json == NULL);
    CHECK(contains(microreg_last_error(), "etcd"));
    microreg_registry_free(r);
    r = NULL;
    /* The message stays until the next failure on this thread. */
    CHECK_OK(microreg_registry_new(MEMORY_CONFIG, &r));
    CHECK(contains(microreg_last_error(), "etcd"));
    CHECK_STATUS(microreg_registry_register(r, "{\"name\":\"\",\"nodes\":[]}", NULL),
                 MICROREG_ERR_INVALID_ARGUMENT);
    CHECK(!contains(microreg_last_error(), "etcd"));
    microreg_registry_free(r);
}

int main(void) {
    test_register_get_list_deregister();
    test_domains();
    test_polled_watch();
    test_callback_watch();
    test_callback_watch_stop_and_free_inside();
    test_keep_alive_until_free();
    test_errors_and_status_names();
    puts("test_api: ok");
    return 0;
}
