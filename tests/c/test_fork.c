/* Handles do not survive fork(): in the child, those of the parent give a clear
 * error instead of a hang, and freeing them only forgets them.
 *
 * Not run under valgrind: in a forked child, the parent's runtime threads are
 * gone, so whatever they alone pointed to shows up as "definitely lost" when
 * valgrind checks the child. ASan (whose leak check does not run at _exit) and
 * the C++ build run it. */
#include "check.h"

#include <sys/wait.h>
#include <unistd.h>

/* Handles do not survive fork(): the child gets a clear error, not a hang. */
static void test_fork_refuses_parent_handles(void) {
    microreg_registry *r = NULL;
    microreg_watcher *w = NULL;
    CHECK_OK(microreg_registry_new(NULL, &r));
    CHECK_OK(microreg_registry_watch(r, NULL, &w));
    fflush(NULL);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        char *out = NULL;
        CHECK_STATUS(microreg_registry_get_service(r, "greeter", NULL, &out),
                     MICROREG_ERR_INVALID_ARGUMENT);
        CHECK(contains(microreg_last_error(), "fork()"));
        CHECK_STATUS(microreg_watcher_next(w, -1, &out), MICROREG_ERR_INVALID_ARGUMENT);
        CHECK(contains(microreg_last_error(), "fork()"));
        microreg_watcher_free(w); /* forgotten, not joined or stopped */
        microreg_registry_free(r);
        _exit(0);
    }
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    /* The parent's handles are unaffected. */
    char *event = NULL;
    CHECK_STATUS(microreg_watcher_next(w, 0, &event), MICROREG_ERR_TIMEOUT);
    microreg_watcher_free(w);
    microreg_registry_free(r);
}

int main(void) {
    test_fork_refuses_parent_handles();
    puts("test_fork: ok");
    return 0;
}
