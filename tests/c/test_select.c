/* Node selection through the C API (memory backend): strategies, filters,
 * marks, and bad input. */
#include "check.h"

#include <pthread.h>

/* Three nodes at 1.2.0 (zones eu, eu, us; endpoint Greeter.Hello), one at 2.0.0. */
static const char *V1 =
    "{\"name\":\"greeter\",\"version\":\"1.2.0\","
    "\"endpoints\":[{\"name\":\"Greeter.Hello\"}],"
    "\"nodes\":[{\"id\":\"g-a\",\"address\":\"10.0.0.1:80\",\"metadata\":{\"zone\":\"eu\"}},"
    "{\"id\":\"g-b\",\"address\":\"10.0.0.2:80\",\"metadata\":{\"zone\":\"eu\"}},"
    "{\"id\":\"g-c\",\"address\":\"10.0.0.3:80\",\"metadata\":{\"zone\":\"us\"}}]}";
static const char *V2 =
    "{\"name\":\"greeter\",\"version\":\"2.0.0\","
    "\"nodes\":[{\"id\":\"g-d\",\"address\":\"10.0.0.4:80\"}]}";

/* The id of the selected node (one of g-a..g-d), as an index 0..3. */
static int select_index(microreg_registry *r, const char *options) {
    char *node = NULL;
    CHECK_OK(microreg_registry_select(r, "greeter", options, &node));
    CHECK(node[0] == '{' && contains(node, "\"address\":\"10.0.0."));
    int index = -1;
    const char *ids[] = {"\"id\":\"g-a\"", "\"id\":\"g-b\"", "\"id\":\"g-c\"", "\"id\":\"g-d\""};
    for (int i = 0; i < 4; i++) {
        if (contains(node, ids[i])) index = i;
    }
    CHECK(index >= 0);
    microreg_string_free(node);
    return index;
}

/* Which nodes `options` can reach, as a bit set over g-a..g-d. */
static int reachable(microreg_registry *r, const char *options) {
    int seen = 0;
    for (int i = 0; i < 40; i++) seen |= 1 << select_index(r, options);
    return seen;
}

static microreg_registry *greeter_registry(void) {
    microreg_registry *r = NULL;
    CHECK_OK(microreg_registry_new(MEMORY_CONFIG, &r));
    CHECK_OK(microreg_registry_register(r, V1, NULL));
    CHECK_OK(microreg_registry_register(r, V2, NULL));
    return r;
}

static void test_node_json_and_filters(void) {
    microreg_registry *r = greeter_registry();
    char *node = NULL;
    CHECK_OK(microreg_registry_select(r, "greeter", "{\"version\":\"2.0.0\"}", &node));
    CHECK(strcmp(node, "{\"id\":\"g-d\",\"address\":\"10.0.0.4:80\",\"metadata\":null}") == 0);
    microreg_string_free(node);

    const char *rr = "{\"strategy\":\"round_robin\"}";
    CHECK(reachable(r, rr) == 0xf);
    CHECK(reachable(r, NULL) == 0xf);
    CHECK(reachable(r, "") == 0xf);
    CHECK(reachable(r, "{\"strategy\":\"round_robin\",\"version\":\"^1\"}") == 0x7);
    CHECK(reachable(r, "{\"version\":\">=1.5\"}") == 0x8);
    CHECK(reachable(r, "{\"labels\":{\"zone\":\"eu\"}}") == 0x3);
    CHECK(reachable(r, "{\"endpoint\":\"Greeter.Hello\",\"labels\":{\"zone\":\"us\"}}") == 0x4);

    /* Round robin: each cycle of four visits every node once. */
    for (int cycle = 0; cycle < 5; cycle++) {
        int seen = 0;
        for (int i = 0; i < 4; i++) seen |= 1 << select_index(r, rr);
        CHECK(seen == 0xf);
    }
    microreg_registry_free(r);
}

static void test_marks(void) {
    microreg_registry *r = greeter_registry();
    const char *eu = "{\"strategy\":\"round_robin\",\"labels\":{\"zone\":\"eu\"}}";
    CHECK_OK(microreg_registry_mark(r, "g-a", MICROREG_OUTCOME_FAILED));
    for (int i = 0; i < 20; i++) CHECK(select_index(r, eu) == 1);
    /* Both failed: still an answer (the one free first), never none. */
    CHECK_OK(microreg_registry_mark(r, "g-b", MICROREG_OUTCOME_FAILED));
    CHECK(select_index(r, eu) == 0);
    CHECK_OK(microreg_registry_mark(r, "g-a", MICROREG_OUTCOME_OK));
    CHECK_OK(microreg_registry_mark(r, "g-b", MICROREG_OUTCOME_OK));
    CHECK(reachable(r, eu) == 0x3);
    CHECK_OK(microreg_registry_mark(r, "gone-long-ago", MICROREG_OUTCOME_OK));
    microreg_registry_free(r);
}

static void test_not_found_and_bad_input(void) {
    microreg_registry *r = greeter_registry();
    char marker = 0;
    char *untouched = &marker;
    CHECK_STATUS(microreg_registry_select(r, "greeter", "{\"version\":\"^3\"}", &untouched),
                 MICROREG_ERR_NOT_FOUND);
    CHECK(contains(microreg_last_error(), "passes version ^3"));
    CHECK(contains(microreg_last_error(), "1.2.0, 2.0.0"));
    CHECK_STATUS(microreg_registry_select(r, "nobody", NULL, &untouched), MICROREG_ERR_NOT_FOUND);
    CHECK_STATUS(microreg_registry_select(r, "greeter", "{\"strategy\":\"fastest\"}", &untouched),
                 MICROREG_ERR_INVALID_ARGUMENT);
    CHECK(contains(microreg_last_error(), "unknown selection strategy"));
    CHECK_STATUS(microreg_registry_select(r, "greeter", "{\"version\":\">=x\"}", &untouched),
                 MICROREG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(microreg_registry_select(r, "greeter", "{\"strategi\":1}", &untouched),
                 MICROREG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(microreg_registry_select(r, "greeter", "{", &untouched),
                 MICROREG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(microreg_registry_select(r, "", NULL, &untouched), MICROREG_ERR_INVALID_ARGUMENT);
    CHECK(contains(microreg_last_error(), "service name is empty"));
    CHECK_STATUS(microreg_registry_select(r, NULL, NULL, &untouched),
                 MICROREG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(microreg_registry_select(r, "greeter\xff", NULL, &untouched),
                 MICROREG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(microreg_registry_select(r, "greeter", NULL, NULL), MICROREG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(microreg_registry_select(NULL, "greeter", NULL, &untouched),
                 MICROREG_ERR_INVALID_ARGUMENT);
    CHECK(untouched == &marker);
    CHECK_STATUS(microreg_registry_mark(r, "g-a", 7), MICROREG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(microreg_registry_mark(r, "", MICROREG_OUTCOME_FAILED),
                 MICROREG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(microreg_registry_mark(r, NULL, MICROREG_OUTCOME_FAILED),
                 MICROREG_ERR_INVALID_ARGUMENT);
    CHECK_STATUS(microreg_registry_mark(NULL, "g-a", MICROREG_OUTCOME_FAILED),
                 MICROREG_ERR_INVALID_ARGUMENT);
    /* Nothing registered was disturbed. */
    CHECK(reachable(r, NULL) == 0xf);
    microreg_registry_free(r);
}

/* Eight threads share one handle and round robin: together they visit every
 * node equally often. */
#define THREADS 8
#define PICKS_PER_THREAD 400
static microreg_registry *shared;
static int counts[THREADS][4];

static void *picker(void *arg) {
    int *mine = counts[(size_t)arg];
    for (int i = 0; i < PICKS_PER_THREAD; i++) {
        mine[select_index(shared, "{\"strategy\":\"round_robin\"}")]++;
    }
    return NULL;
}

static void test_round_robin_across_threads(void) {
    shared = greeter_registry();
    pthread_t threads[THREADS];
    for (size_t t = 0; t < THREADS; t++) CHECK(pthread_create(&threads[t], NULL, picker, (void *)t) == 0);
    for (size_t t = 0; t < THREADS; t++) CHECK(pthread_join(threads[t], NULL) == 0);
    for (int node = 0; node < 4; node++) {
        int total = 0;
        for (int t = 0; t < THREADS; t++) total += counts[t][node];
        CHECK(total == THREADS * PICKS_PER_THREAD / 4);
    }
    microreg_registry_free(shared);
}

int main(void) {
    test_node_json_and_filters();
    test_marks();
    test_not_found_and_bad_input();
    test_round_robin_across_threads();
    puts("test_select: ok");
    return 0;
}
