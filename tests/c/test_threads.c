/* 8 threads share one registry handle: registrations, lookups, watches and
 * errors on each at once; every thread keeps its own last error. */
#include "check.h"

#include <pthread.h>

#define THREADS 8
#define ROUNDS 200

static microreg_registry *shared_registry;

static void service_json(char *buffer, size_t size, const char *name, int thread, int round) {
    snprintf(buffer, size,
             "{\"name\":\"%s\",\"version\":\"1\",\"nodes\":[{\"id\":\"%s-%d\","
             "\"address\":\"10.0.3.%d:%d\",\"metadata\":{\"round\":\"%d\"}}]}",
             name, name, thread, thread + 1, 1000 + round, round);
}

static void *worker(void *arg) {
    int thread = (int)(size_t)arg;
    char pool[256], solo[256], solo_name[32], message[64];
    snprintf(solo_name, sizeof solo_name, "solo-%d", thread);
    service_json(pool, sizeof pool, "pool", thread, 0);
    CHECK_OK(microreg_registry_register(shared_registry, pool, "{\"ttl_ms\":60000}"));

    microreg_watcher *w = NULL;
    char watch_options[64];
    snprintf(watch_options, sizeof watch_options, "{\"service\":\"%s\"}", solo_name);
    CHECK_OK(microreg_registry_watch(shared_registry, watch_options, &w));

    for (int round = 0; round < ROUNDS; round++) {
        service_json(solo, sizeof solo, solo_name, thread, round);
        CHECK_OK(microreg_registry_register(shared_registry, solo, NULL));
        char *found = NULL;
        CHECK_OK(microreg_registry_get_service(shared_registry, solo_name, NULL, &found));
        CHECK(contains(found, solo_name));
        microreg_string_free(found);
        CHECK_OK(microreg_registry_get_service(shared_registry, "pool", NULL, &found));
        microreg_string_free(found);
        char *listed = NULL;
        CHECK_OK(microreg_registry_list_services(shared_registry, NULL, &listed));
        microreg_string_free(listed);

        /* A failure of our own: its message must be ours, whatever other threads do. */
        snprintf(message, sizeof message, "{\"thread-%d-round-%d\":1}", thread, round);
        CHECK_STATUS(microreg_registry_list_services(shared_registry, message, &listed),
                     MICROREG_ERR_INVALID_ARGUMENT);
        snprintf(message, sizeof message, "thread-%d-round-%d", thread, round);
        sleep_ms(0);
        CHECK(contains(microreg_last_error(), message));
    }
    /* The watch saw our node appear, then change each round. */
    char *event = NULL;
    CHECK_OK(microreg_watcher_next(w, DEADLINE_MS, &event));
    CHECK(contains(event, "\"action\":\"create\""));
    microreg_string_free(event);
    int updates = 0;
    while (microreg_watcher_next(w, 0, &event) == MICROREG_OK) {
        updates += contains(event, "\"action\":\"update\"");
        microreg_string_free(event);
    }
    CHECK(updates == ROUNDS - 1);
    microreg_watcher_free(w);
    CHECK_OK(microreg_registry_deregister(shared_registry, solo, NULL));
    return NULL;
}

int main(void) {
    CHECK_OK(microreg_registry_new(NULL, &shared_registry));
    microreg_watcher *pool_watch = NULL;
    CHECK_OK(microreg_registry_watch(shared_registry, "{\"service\":\"pool\"}", &pool_watch));

    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        CHECK(pthread_create(&threads[i], NULL, worker, (void *)(size_t)i) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
    }

    char *found = NULL;
    CHECK_OK(microreg_registry_get_service(shared_registry, "pool", NULL, &found));
    CHECK(count_of(found, "\"id\":\"pool-") == THREADS);
    microreg_string_free(found);
    for (int i = 0; i < THREADS; i++) {
        char solo_name[32];
        snprintf(solo_name, sizeof solo_name, "solo-%d", i);
        CHECK_STATUS(microreg_registry_get_service(shared_registry, solo_name, NULL, &found),
                     MICROREG_ERR_NOT_FOUND);
    }
    int creates = 0;
    char *event = NULL;
    while (creates < THREADS && microreg_watcher_next(pool_watch, DEADLINE_MS, &event) == MICROREG_OK) {
        creates += contains(event, "\"action\":\"create\"");
        microreg_string_free(event);
    }
    CHECK(creates == THREADS);
    microreg_watcher_free(pool_watch);
    microreg_registry_free(shared_registry);
    puts("test_threads: ok");
    return 0;
}
