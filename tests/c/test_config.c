/* The defaults and go-micro's environment through the C API: what a config
 * resolves to (microreg_config_resolve), what a handle uses
 * (microreg_registry_config), and that the environment chooses the backend of
 * a handle whose config names none. */
#include "check.h"

static void clear_go_micro_env(void) {
    unsetenv("MICRO_REGISTRY");
    unsetenv("MICRO_REGISTRY_ADDRESS");
    unsetenv("ETCD_USERNAME");
    unsetenv("ETCD_PASSWORD");
}

static char *resolve(const char *config_json) {
    char *json = NULL;
    CHECK_OK(microreg_config_resolve(config_json, &json));
    return json;
}

static void test_defaults(void) {
    clear_go_micro_env();
    const char *nothing[] = {NULL, "", "{}"};
    for (size_t i = 0; i < 3; i++) {
        char *config = resolve(nothing[i]);
        CHECK(contains(config, "\"backend\":\"mdns\""));
        CHECK(contains(config, "\"domain\":\"micro\""));
        CHECK(contains(config, "\"register_ttl_ms\":90000"));
        microreg_string_free(config);
    }
    /* A handle that names nothing uses them (this test runs in the isolated
     * network namespace, where the mdns default may open its sockets). */
    microreg_registry *r = NULL;
    CHECK_OK(microreg_registry_new(NULL, &r));
    char *config = NULL;
    CHECK_OK(microreg_registry_config(r, &config));
    CHECK(contains(config, "\"backend\":\"mdns\""));
    CHECK(contains(config, "\"domain\":\"micro\""));
    CHECK(contains(config, "\"register_ttl_ms\":90000"));
    microreg_string_free(config);
    microreg_registry_free(r);
}

static void test_environment(void) {
    clear_go_micro_env();
    setenv("MICRO_REGISTRY", "memory", 1);
    microreg_registry *r = NULL;
    CHECK_OK(microreg_registry_new(NULL, &r));
    char *config = NULL;
    CHECK_OK(microreg_registry_config(r, &config));
    CHECK(contains(config, "\"backend\":\"memory\""));
    microreg_string_free(config);
    microreg_registry_free(r);

    setenv("MICRO_REGISTRY", "etcd", 1);
    setenv("MICRO_REGISTRY_ADDRESS", "127.0.0.1:23790,127.0.0.1:23791", 1);
    setenv("ETCD_USERNAME", "svc", 1);
    setenv("ETCD_PASSWORD", "secret", 1);
    config = resolve(NULL);
    CHECK(contains(config, "\"backend\":\"etcd\""));
    CHECK(contains(config, "\"addresses\":[\"127.0.0.1:23790\",\"127.0.0.1:23791\"]"));
    CHECK(contains(config, "\"username\":\"svc\""));
    CHECK(contains(config, "\"password\":\"***\"") && !contains(config, "secret"));
    microreg_string_free(config);
    /* Options win over the environment, field by field. */
    config = resolve("{\"addresses\":[\"127.0.0.1:2379\"],\"username\":\"me\",\"tls_ca\":\"/ca.pem\"}");
    CHECK(contains(config, "\"addresses\":[\"127.0.0.1:2379\"]"));
    CHECK(contains(config, "\"username\":\"me\""));
    CHECK(contains(config, "\"tls_ca\":\"/ca.pem\""));
    microreg_string_free(config);
    config = resolve("{\"backend\":\"memory\"}");
    CHECK(contains(config, "\"backend\":\"memory\""));
    microreg_string_free(config);

    setenv("MICRO_REGISTRY", "consul", 1);
    char marker = 0;
    char *untouched = &marker;
    CHECK_STATUS(microreg_config_resolve(NULL, &untouched), MICROREG_ERR_INVALID_ARGUMENT);
    CHECK(untouched == &marker);
    CHECK(contains(microreg_last_error(), "MICRO_REGISTRY"));
    clear_go_micro_env();
}

static void test_backend_keys_pass_through(void) {
    clear_go_micro_env();
    char *config = resolve("{\"backend\":\"etcd\",\"prefix\":\"/other/\",\"dial_timeout_ms\":750}");
    CHECK(contains(config, "\"prefix\":\"/other/\""));
    CHECK(contains(config, "\"dial_timeout_ms\":750"));
    microreg_string_free(config);
    /* A key of another backend: refused, naming the backend and its keys. */
    microreg_registry *r = NULL;
    CHECK_STATUS(microreg_registry_new("{\"backend\":\"etcd\",\"interfaces\":[\"eth0\"]}", &r),
                 MICROREG_ERR_INVALID_ARGUMENT);
    CHECK(r == NULL);
    CHECK(contains(microreg_last_error(), "`interfaces`"));
    CHECK(contains(microreg_last_error(), "etcd backend"));
    CHECK(contains(microreg_last_error(), "`addresses`"));
    CHECK_STATUS(microreg_config_resolve("{\"backend\":\"mdns\",\"addresses\":[]}", NULL),
                 MICROREG_ERR_INVALID_ARGUMENT);
}

static void test_register_ttl(void) {
    microreg_registry *r = NULL;
    CHECK_OK(microreg_registry_new("{\"backend\":\"memory\",\"register_ttl_ms\":0}", &r));
    char *config = NULL;
    CHECK_OK(microreg_registry_config(r, &config));
    CHECK(contains(config, "\"register_ttl_ms\":null"));
    microreg_string_free(config);
    /* ttl_ms 0 or null: no TTL; absent: the handle's register TTL. */
    const char *svc = "{\"name\":\"ttl\",\"version\":\"1\",\"nodes\":[{\"id\":\"ttl-1\",\"address\":\"10.0.0.1:1\"}]}";
    CHECK_OK(microreg_registry_register(r, svc, "{\"ttl_ms\":0}"));
    CHECK_OK(microreg_registry_register(r, svc, "{\"ttl_ms\":null}"));
    CHECK_OK(microreg_registry_register(r, svc, NULL));
    microreg_registry_free(r);
}

int main(void) {
    test_defaults();
    test_environment();
    test_backend_keys_pass_through();
    test_register_ttl();
    puts("test_config: ok");
    return 0;
}
