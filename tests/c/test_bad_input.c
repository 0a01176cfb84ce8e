/* Every function with NULLs, invalid UTF-8, broken JSON, wrong JSON types,
 * unknown fields and 1 MiB inputs: an error code and a message each time, no
 * crash, out-parameters untouched, and what was registered stays as it was. */
#include "check.h"

#define INVALID MICROREG_ERR_INVALID_ARGUMENT

static const char *KEEPER =
    "{\"name\":\"keeper\",\"version\":\"1\",\"metadata\":{\"k\":\"v\"},"
    "\"nodes\":[{\"id\":\"keeper-1\",\"address\":\"10.0.2.1:7\"}]}";

/* Strings that are not acceptable JSON options or services. */
static const char *const BROKEN_JSON[] = {
    "{",     "{\"name\":",  "[]", "null", "42", "\"text\"", "{\"name\":\"x\",}",
    "\xff\xfe{}", "{\"domain\":\"\xc3\x28\"}", "{} trailing",
};
static const char *const BAD_OPTIONS[] = {
    "{\"ttl_ms\":\"30s\"}",  "{\"ttl_ms\":-1}",     "{\"ttl_ms\":1.5}",
    "{\"domain\":7}",        "{\"domain\":\"\"}",   "{\"domain\":\"a.b\"}", "{\"unknown\":1}",
    "{\"service\":[\"x\"]}",
};
static const char *const BAD_SERVICES[] = {
    "{\"name\":1}", "{\"name\":\"x\",\"nodes\":{}}", "{\"name\":\"x\",\"nodes\":[{\"id\":2}]}",
    "{\"name\":\"\",\"nodes\":[{\"id\":\"a\",\"address\":\"1.2.3.4:5\"}]}",
    "{\"name\":\"x\",\"nodes\":[{\"id\":\"\",\"address\":\"1.2.3.4:5\"}]}",
    "{\"name\":\"x\",\"nodes\":[{\"id\":\"a\",\"address\":\"no-port\"}]}",
    "{\"name\":\"x\",\"nodes\":[]}", "{\"name\":\"x\",\"metadata\":[1]}",
};
#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

/* A string of `len` bytes: `prefix`, then `fill` bytes, then `suffix`. */
static char *make_big(size_t len, const char *prefix, char fill, const char *suffix) {
    char *text = (char *)malloc(len + 1);
    CHECK(text != NULL);
    size_t head = strlen(prefix), tail = strlen(suffix);
    memcpy(text, prefix, head);
    memset(text + head, fill, len - head - tail);
    memcpy(text + len - tail, suffix, tail);
    text[len] = '\0';
    return text;
}

static void check_untouched(microreg_registry *r) {
    char *found = NULL;
    CHECK_OK(microreg_registry_get_service(r, "keeper", NULL, &found));
    CHECK(contains(found, "\"id\":\"keeper-1\""));
    CHECK(contains(found, "\"address\":\"10.0.2.1:7\""));
    CHECK(contains(found, "\"k\":\"v\""));
    CHECK(count_of(found, "\"id\":") == 1);
    microreg_string_free(found);
}

static void test_new(void) {
    microreg_registry *r = NULL;
    CHECK_STATUS(microreg_registry_new(NULL, NULL), INVALID);
    CHECK(contains(microreg_last_error(), "out"));
    for (size_t i = 0; i < COUNT(BROKEN_JSON); i++) {
        CHECK_STATUS(microreg_registry_new(BROKEN_JSON[i], &r), INVALID);
    }
    CHECK_STATUS(microreg_registry_new("{\"backend\":1}", &r), INVALID);
    CHECK_STATUS(microreg_registry_new("{\"backend\":\"zookeeper\"}", &r), INVALID);
    CHECK_STATUS(microreg_registry_new("{\"domian\":\"micro\"}", &r), INVALID);
    CHECK_STATUS(microreg_registry_new("{\"timeout_ms\":0}", &r), INVALID);
    CHECK(r == NULL);
}

static void test_register_and_deregister(microreg_registry *r) {
    int (*const calls[2])(microreg_registry *, const char *, const char *) = {
        microreg_registry_register, microreg_registry_deregister};
    for (int c = 0; c < 2; c++) {
        CHECK_STATUS(calls[c](NULL, KEEPER, NULL), INVALID);
        CHECK(contains(microreg_last_error(), "registry handle is NULL"));
        CHECK_STATUS(calls[c](r, NULL, NULL), INVALID);
        CHECK(contains(microreg_last_error(), "service_json is NULL"));
        for (size_t i = 0; i < COUNT(BROKEN_JSON); i++) {
            CHECK_STATUS(calls[c](r, BROKEN_JSON[i], NULL), INVALID);
            CHECK_STATUS(calls[c](r, KEEPER, BROKEN_JSON[i]), INVALID);
        }
        for (size_t i = 0; i < COUNT(BAD_OPTIONS); i++) {
            /* deregister takes only a domain; ttl_ms is unknown to it */
            CHECK_STATUS(calls[c](r, KEEPER, BAD_OPTIONS[i]), INVALID);
        }
        check_untouched(r);
    }
    for (size_t i = 0; i < COUNT(BAD_SERVICES); i++) {
        CHECK_STATUS(microreg_registry_register(r, BAD_SERVICES[i], NULL), INVALID);
    }
    CHECK_STATUS(microreg_registry_register(r, "{\"name\":\"\xff\"}", NULL), INVALID);
    CHECK(contains(microreg_last_error(), "UTF-8"));
    /* Same id, invalid new address: refused, the old registration stays. */
    CHECK_STATUS(microreg_registry_register(
                     r, "{\"name\":\"keeper\",\"version\":\"1\",\"nodes\":[{\"id\":\"keeper-1\","
                        "\"address\":\"nowhere\"}]}",
                     NULL),
                 INVALID);
    check_untouched(r);
}

static void test_lookups(microreg_registry *r) {
    char marker = 0;
    char *out = &marker;
    CHECK_STATUS(microreg_registry_get_service(NULL, "keeper", NULL, &out), INVALID);
    CHECK_STATUS(microreg_registry_get_service(r, NULL, NULL, &out), INVALID);
    CHECK(contains(microreg_last_error(), "name is NULL"));
    CHECK_STATUS(microreg_registry_get_service(r, "keeper", NULL, NULL), INVALID);
    CHECK_STATUS(microreg_registry_get_service(r, "kee\xffper", NULL, &out), INVALID);
    CHECK_STATUS(microreg_registry_list_services(NULL, NULL, &out), INVALID);
    CHECK_STATUS(microreg_registry_list_services(r, NULL, NULL), INVALID);
    for (size_t i = 0; i < COUNT(BROKEN_JSON); i++) {
        CHECK_STATUS(microreg_registry_get_service(r, "keeper", BROKEN_JSON[i], &out), INVALID);
        CHECK_STATUS(microreg_registry_list_services(r, BROKEN_JSON[i], &out), INVALID);
    }
    for (size_t i = 0; i < COUNT(BAD_OPTIONS); i++) {
        CHECK_STATUS(microreg_registry_get_service(r, "keeper", BAD_OPTIONS[i], &out), INVALID);
        CHECK_STATUS(microreg_registry_list_services(r, BAD_OPTIONS[i], &out), INVALID);
    }
    CHECK(out == &marker);
}

static void ignore_event(void *user_data, const char *event_json) {
    (void)user_data;
    (void)event_json;
}

static void test_watches(microreg_registry *r) {
    microreg_watcher *w = NULL;
    CHECK_STATUS(microreg_registry_watch(NULL, NULL, &w), INVALID);
    CHECK_STATUS(microreg_registry_watch(r, NULL, NULL), INVALID);
    CHECK_STATUS(microreg_registry_watch_callback(NULL, NULL, ignore_event, NULL, NULL, &w),
                 INVALID);
    CHECK_STATUS(microreg_registry_watch_callback(r, NULL, ignore_event, NULL, NULL, NULL),
                 INVALID);
    CHECK_STATUS(microreg_registry_watch_callback(r, NULL, NULL, NULL, NULL, &w), INVALID);
    for (size_t i = 0; i < COUNT(BROKEN_JSON); i++) {
        CHECK_STATUS(microreg_registry_watch(r, BROKEN_JSON[i], &w), INVALID);
        CHECK_STATUS(
            microreg_registry_watch_callback(r, BROKEN_JSON[i], ignore_event, NULL, NULL, &w),
            INVALID);
    }
    const char *bad_watch[] = {"{\"service\":5}", "{\"domain\":\"\"}", "{\"ttl_ms\":1000}",
                               "{\"service\":\"x\",\"extra\":true}"};
    for (size_t i = 0; i < COUNT(bad_watch); i++) {
        CHECK_STATUS(microreg_registry_watch(r, bad_watch[i], &w), INVALID);
    }
    CHECK(w == NULL);

    char marker = 0;
    char *out = &marker;
    CHECK_STATUS(microreg_watcher_next(NULL, 0, &out), INVALID);
    CHECK_STATUS(microreg_watcher_stop(NULL), INVALID);
    CHECK_OK(microreg_registry_watch(r, NULL, &w));
    CHECK_STATUS(microreg_watcher_next(w, 0, NULL), INVALID);
    CHECK(out == &marker);
    microreg_watcher_free(w);
}

static void test_one_mebibyte(microreg_registry *r) {
    char marker = 0;
    char *out = &marker;
    microreg_watcher *w = NULL;
    /* Over the limit: refused before parsing, whatever the content. */
    char *over = make_big(MICROREG_MAX_INPUT_LEN + 1, "{", ' ', "}");
    CHECK_STATUS(microreg_registry_new(over, (microreg_registry **)&w), INVALID);
    CHECK(contains(microreg_last_error(), "longer than 1048576 bytes"));
    CHECK_STATUS(microreg_registry_register(r, over, NULL), INVALID);
    CHECK_STATUS(microreg_registry_register(r, KEEPER, over), INVALID);
    CHECK_STATUS(microreg_registry_deregister(r, over, NULL), INVALID);
    CHECK_STATUS(microreg_registry_deregister(r, KEEPER, over), INVALID);
    CHECK_STATUS(microreg_registry_get_service(r, over, NULL, &out), INVALID);
    CHECK_STATUS(microreg_registry_get_service(r, "keeper", over, &out), INVALID);
    CHECK_STATUS(microreg_registry_list_services(r, over, &out), INVALID);
    CHECK_STATUS(microreg_registry_watch(r, over, &w), INVALID);
    CHECK_STATUS(microreg_registry_watch_callback(r, over, ignore_event, NULL, NULL, &w), INVALID);
    free(over);

    /* Exactly 1 MiB: read and judged by the registry. A 1 MiB name is too long... */
    char *name = make_big(MICROREG_MAX_INPUT_LEN, "", 'n', "");
    CHECK_STATUS(microreg_registry_get_service(r, name, NULL, &out), INVALID);
    free(name);
    char *long_name = make_big(MICROREG_MAX_INPUT_LEN, "{\"name\":\"", 'n',
                               "\",\"nodes\":[{\"id\":\"a\",\"address\":\"1.2.3.4:5\"}]}");
    CHECK_STATUS(microreg_registry_register(r, long_name, NULL), INVALID);
    free(long_name);
    /* ...while 1 MiB of whitespace around a valid service is fine. */
    char *padded = make_big(MICROREG_MAX_INPUT_LEN,
                            "{\"name\":\"padded\",\"version\":\"1\",\"nodes\":[{\"id\":\"padded-1\","
                            "\"address\":\"10.0.2.2:8\"}]",
                            ' ', "}");
    CHECK_OK(microreg_registry_register(r, padded, NULL));
    CHECK_OK(microreg_registry_get_service(r, "padded", NULL, &out));
    microreg_string_free(out);
    out = &marker;
    CHECK_OK(microreg_registry_deregister(r, padded, NULL));
    free(padded);
    CHECK(out == &marker);
    CHECK(w == NULL);
}

int main(void) {
    /* The _free functions and the infallible ones take anything. */
    microreg_registry_free(NULL);
    microreg_watcher_free(NULL);
    microreg_string_free(NULL);
    CHECK(microreg_last_error() != NULL);
    CHECK(microreg_version() != NULL);

    microreg_registry *r = NULL;
    CHECK_OK(microreg_registry_new(MEMORY_CONFIG, &r));
    CHECK_OK(microreg_registry_register(r, KEEPER, "{\"ttl_ms\":60000}"));
    test_new();
    test_register_and_deregister(r);
    test_lookups(r);
    test_watches(r);
    test_one_mebibyte(r);
    check_untouched(r);
    char *listed = NULL;
    CHECK_OK(microreg_registry_list_services(r, NULL, &listed));
    CHECK(count_of(listed, "\"name\":") == 1); /* only keeper: no bad input got in */
    microreg_string_free(listed);
    microreg_registry_free(r);
    puts("test_bad_input: ok");
    return 0;
}
