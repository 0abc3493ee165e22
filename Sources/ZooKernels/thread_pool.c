// A persistent pool of worker threads for the backend's parallel loops.
//
// Dispatch's concurrentPerform parks its workers between calls, and waking them costs tens of
// microseconds, a real share of a forward pass made of a hundred kernels of a millisecond or
// less. These workers spin for a short while after each job (as ONNX Runtime's do) and only
// then sleep on a condition variable. Every worker acknowledges every job, so a job's
// description can live on the caller's stack.

#include "zoo_kernels.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ZK_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define ZK_PAUSE() __asm__ __volatile__("yield")
#else
#define ZK_PAUSE() ((void)0)
#endif

#define ZK_MAX_WORKERS 255
/// How long an idle worker spins before it sleeps.
#define ZK_SPIN_NANOSECONDS 2000000LL

typedef struct {
    zk_task_fn fn;
    void *context;
    int count;
    int participants;
} zk_job;

static pthread_mutex_t zk_run_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t zk_sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t zk_wake = PTHREAD_COND_INITIALIZER;
static _Atomic unsigned long zk_generation = 0;
static _Atomic int zk_next = 0;
static _Atomic int zk_finished = 0;
static _Atomic int zk_sleeping = 0;
static zk_job zk_current;
static int zk_workers = 0;
static _Thread_local int zk_inside = 0;

static long long zk_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void zk_take_tasks(const zk_job *job) {
    for (;;) {
        int i = atomic_fetch_add(&zk_next, 1);
        if (i >= job->count) return;
        job->fn(job->context, i);
    }
}

typedef struct {
    int id;
    unsigned long seen;
} zk_worker_start;

static void *zk_worker_main(void *arg) {
    // `seen` is the generation before the worker was created: a job published while the thread
    // was starting is still one it must acknowledge.
    zk_worker_start start_info = *(zk_worker_start *)arg;
    free(arg);
    int id = start_info.id;
    unsigned long seen = start_info.seen;
    zk_inside = 1;
    for (;;) {
        unsigned long g;
        long long start = 0;
        unsigned spins = 0;
        while ((g = atomic_load(&zk_generation)) == seen) {
            ZK_PAUSE();
            if ((++spins & 1023) != 0) continue;
            long long t = zk_now();
            if (start == 0) start = t;
            if (t - start < ZK_SPIN_NANOSECONDS) continue;
            pthread_mutex_lock(&zk_sleep_lock);
            atomic_fetch_add(&zk_sleeping, 1);
            while (atomic_load(&zk_generation) == seen) pthread_cond_wait(&zk_wake, &zk_sleep_lock);
            atomic_fetch_sub(&zk_sleeping, 1);
            pthread_mutex_unlock(&zk_sleep_lock);
            start = 0;
        }
        seen = g;
        zk_job job = zk_current;
        if (id < job.participants) zk_take_tasks(&job);
        atomic_fetch_add(&zk_finished, 1);
    }
    return NULL;
}

/// Starts workers until there are `wanted` (under zk_run_lock); returns how many run.
static int zk_ensure_workers(int wanted) {
    if (wanted > ZK_MAX_WORKERS) wanted = ZK_MAX_WORKERS;
    while (zk_workers < wanted) {
        zk_worker_start *info = malloc(sizeof *info);
        if (!info) break;
        info->id = zk_workers;
        info->seen = atomic_load(&zk_generation);
        pthread_t thread;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&thread, &attr, zk_worker_main, info);
        pthread_attr_destroy(&attr);
        if (failed) {
            free(info);
            break;
        }
        zk_workers++;
    }
    return zk_workers;
}

void zk_parallel_run(int threads, int count, zk_task_fn fn, void *context) {
    if (count <= 0) return;
    if (threads <= 1 || count == 1 || zk_inside) {
        for (int i = 0; i < count; i++) fn(context, i);
        return;
    }
    pthread_mutex_lock(&zk_run_lock);
    int workers = zk_ensure_workers(threads - 1);
    if (workers == 0) {
        pthread_mutex_unlock(&zk_run_lock);
        for (int i = 0; i < count; i++) fn(context, i);
        return;
    }
    zk_current.fn = fn;
    zk_current.context = context;
    zk_current.count = count;
    zk_current.participants = threads - 1;
    atomic_store(&zk_next, 0);
    atomic_store(&zk_finished, 0);
    atomic_fetch_add(&zk_generation, 1);
    if (atomic_load(&zk_sleeping) > 0) {
        pthread_mutex_lock(&zk_sleep_lock);
        pthread_cond_broadcast(&zk_wake);
        pthread_mutex_unlock(&zk_sleep_lock);
    }
    zk_inside = 1;
    zk_take_tasks(&zk_current);
    zk_inside = 0;
    while (atomic_load(&zk_finished) < workers) ZK_PAUSE();
    pthread_mutex_unlock(&zk_run_lock);
}
