/*
 * ptyref: the C reference for the PTY benchmarks.
 *
 * It does what the Node libraries do, with nothing in between: forkpty(),
 * exec, and plain blocking read()/write() on the master with a 64 KiB buffer.
 * Its figures are the practical limit of this machine's PTY layer.
 *
 * Usage:
 *   ptyref read             -- CMD [ARGS...]   run CMD, count every byte it prints
 *   ptyref write BYTES      -- CMD [ARGS...]   wait for 'R', write BYTES, read the reply
 *   ptyref spawn COUNT [MB] -- CMD [ARGS...]   spawn CMD and reap it COUNT times,
 *                                             optionally holding MB of touched memory
 *   ptyref echo COUNT       -- CMD [ARGS...]   wait for 'R', then COUNT token round trips
 *   ptyref scale COUNT      -- CMD [ARGS...]   COUNT PTYs at once, read all of them
 *
 * Each mode prints one JSON object on stdout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE (64 * 1024)
#define TOKEN_LEN 8
#define ECHO_WARMUP 100

static char buf[BUF_SIZE];

static void die(const char *what) {
    perror(what);
    exit(2);
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_ms(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3 +
           ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
}

static long max_rss_kib(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* forkpty() + execvp(); returns the master fd and stores the child's pid. */
static int spawn_pty(char **argv, pid_t *pid_out) {
    struct winsize ws = {.ws_row = 24, .ws_col = 80};
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, &ws);
    if (pid < 0) die("forkpty");
    if (pid == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    *pid_out = pid;
    return master;
}

/* Reads until every holder of the slave side has closed it (EIO). */
static long long drain(int fd) {
    long long total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            total += n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            break; /* 0 or EIO: the slave side is closed */
        }
    }
    return total;
}

static int reap(pid_t pid) {
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) die("waitpid");
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Reads until the ready byte 'R' arrives. */
static void wait_ready(int fd) {
    for (;;) {
        ssize_t n = read(fd, buf, 1);
        if (n == 1 && buf[0] == 'R') return;
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            fprintf(stderr, "child closed the terminal before it was ready\n");
            exit(2);
        }
    }
}

static void write_all(int fd, const char *data, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("write");
        }
        data += n;
        len -= (size_t)n;
    }
}

static int mode_read(char **cmd) {
    double c0 = cpu_ms(), t0 = now_ms();
    pid_t pid;
    int fd = spawn_pty(cmd, &pid);
    long long bytes = drain(fd);
    close(fd);
    int code = reap(pid);
    double ms = now_ms() - t0;
    printf("{\"bytes\":%lld,\"ms\":%.3f,\"cpuMs\":%.3f,\"exitCode\":%d}\n", bytes, ms,
           cpu_ms() - c0, code);
    return 0;
}

static int mode_write(long long count, char **cmd) {
    pid_t pid;
    int fd = spawn_pty(cmd, &pid);
    wait_ready(fd);
    double c0 = cpu_ms(), t0 = now_ms();
    static char out[BUF_SIZE];
    for (size_t i = 0; i < sizeof out; i++) out[i] = (char)('a' + i % 26);
    long long left = count;
    while (left > 0) {
        size_t chunk = left < (long long)sizeof out ? (size_t)left : sizeof out;
        write_all(fd, out, chunk);
        left -= (long long)chunk;
    }
    /* The child prints its count once it has read everything. */
    char reply[256];
    size_t got = 0;
    for (;;) {
        ssize_t n = read(fd, reply + got, sizeof reply - 1 - got);
        if (n > 0) {
            got += (size_t)n;
            if (got == sizeof reply - 1) break;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            break;
        }
    }
    double ms = now_ms() - t0;
    double cpu = cpu_ms() - c0;
    close(fd);
    int code = reap(pid);
    reply[got] = 0;
    printf("{\"bytes\":%lld,\"ms\":%.3f,\"cpuMs\":%.3f,\"count\":%lld,\"exitCode\":%d}\n", count,
           ms, cpu, strtoll(reply, NULL, 10), code);
    return 0;
}

static int mode_spawn(long count, long heap_mb, char **cmd) {
    char *heap = NULL;
    if (heap_mb > 0) {
        size_t size = (size_t)heap_mb << 20;
        heap = malloc(size);
        if (!heap) die("malloc");
        memset(heap, 1, size); /* touch every page */
    }
    double t0 = now_ms();
    int failures = 0;
    for (long i = 0; i < count; i++) {
        pid_t pid;
        int fd = spawn_pty(cmd, &pid);
        drain(fd);
        close(fd);
        if (reap(pid) != 0) failures++;
    }
    double ms = now_ms() - t0;
    printf("{\"count\":%ld,\"ms\":%.3f,\"msPerSpawn\":%.4f,\"failures\":%d,\"heapMb\":%ld}\n",
           count, ms, ms / count, failures, heap_mb);
    free(heap);
    return 0;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile index, as the Node side computes it. */
static size_t rank(double p, long count) {
    long r = (long)(p * count);
    if ((double)r < p * count) r++; /* ceil */
    if (r < 1) r = 1;
    if (r > count) r = count;
    return (size_t)(r - 1);
}

static int mode_echo(long count, char **cmd) {
    pid_t pid;
    int fd = spawn_pty(cmd, &pid);
    wait_ready(fd);
    double *lat = malloc(sizeof(double) * (size_t)count);
    if (!lat) die("malloc");
    char token[TOKEN_LEN + 1];
    for (long i = -ECHO_WARMUP; i < count; i++) {
        snprintf(token, sizeof token, "%08ld", (i + ECHO_WARMUP) % 100000000);
        double t0 = now_ms();
        write_all(fd, token, TOKEN_LEN);
        size_t got = 0;
        while (got < TOKEN_LEN) {
            ssize_t n = read(fd, buf + got, TOKEN_LEN - got);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) die("read");
            got += (size_t)n;
        }
        if (memcmp(buf, token, TOKEN_LEN) != 0) {
            fprintf(stderr, "echo mismatch\n");
            return 2;
        }
        if (i >= 0) lat[i] = (now_ms() - t0) * 1e3;
    }
    qsort(lat, (size_t)count, sizeof(double), cmp_double);
    double p50 = lat[rank(0.50, count)];
    double p99 = lat[rank(0.99, count)];
    close(fd);
    kill(pid, SIGKILL);
    reap(pid);
    printf("{\"count\":%ld,\"p50Us\":%.2f,\"p99Us\":%.2f}\n", count, p50, p99);
    free(lat);
    return 0;
}

static int mode_scale(long count, char **cmd) {
    struct pollfd *fds = calloc((size_t)count, sizeof *fds);
    pid_t *pids = calloc((size_t)count, sizeof *pids);
    if (!fds || !pids) die("calloc");
    double t0 = now_ms();
    for (long i = 0; i < count; i++) {
        fds[i].fd = spawn_pty(cmd, &pids[i]);
        fds[i].events = POLLIN;
    }
    long long bytes = 0;
    long open_count = count;
    int failures = 0;
    while (open_count > 0) {
        if (poll(fds, (nfds_t)count, -1) < 0) {
            if (errno == EINTR) continue;
            die("poll");
        }
        for (long i = 0; i < count; i++) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n > 0) {
                bytes += n;
            } else if (n < 0 && errno == EINTR) {
                continue;
            } else {
                close(fds[i].fd);
                fds[i].fd = -1;
                if (reap(pids[i]) != 0) failures++;
                open_count--;
            }
        }
    }
    double ms = now_ms() - t0;
    printf("{\"count\":%ld,\"bytes\":%lld,\"ms\":%.3f,\"failures\":%d,\"peakRssKiB\":%ld,"
           "\"peakThreads\":1}\n",
           count, bytes, ms, failures, max_rss_kib());
    free(fds);
    free(pids);
    return 0;
}

static void usage(void) {
    fprintf(stderr,
            "usage: ptyref read -- CMD...\n"
            "       ptyref write BYTES -- CMD...\n"
            "       ptyref spawn COUNT [HEAP_MB] -- CMD...\n"
            "       ptyref echo COUNT -- CMD...\n"
            "       ptyref scale COUNT -- CMD...\n");
    exit(2);
}

int main(int argc, char **argv) {
    if (argc < 2) usage();
    int sep = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            sep = i;
            break;
        }
    }
    if (sep == 0 || sep + 1 >= argc) usage();
    char **cmd = argv + sep + 1;
    const char *mode = argv[1];
    long long n = sep > 2 ? strtoll(argv[2], NULL, 10) : 0;
    if (strcmp(mode, "read") == 0) return mode_read(cmd);
    if (n <= 0) usage();
    if (strcmp(mode, "write") == 0) return mode_write(n, cmd);
    if (strcmp(mode, "spawn") == 0) return mode_spawn((long)n, sep > 3 ? atol(argv[3]) : 0, cmd);
    if (strcmp(mode, "echo") == 0) return mode_echo((long)n, cmd);
    if (strcmp(mode, "scale") == 0) return mode_scale((long)n, cmd);
    usage();
    return 2;
}
