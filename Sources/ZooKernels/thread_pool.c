// A persistent pool of worker threads for the backend's parallel loops.
//
// Dispatch's concurrentPerform parks its workers between calls, and waking them costs tens of
// microseconds, a real share of a forward pass made of a hundred kernels of a millisecond or
// less. These workers spin for a short while after each job (as ONNX Runtime's do) and only
// then sleep on a condition variable.
//
// The caller waits only for the tasks, never for the workers: a worker that is asleep, or
// descheduled by another process on a shared core, does not hold up a job it took no part in.
// So that a late worker can never run a finished job's task (whose context lives on that
// caller's stack), a job is read through a sequence lock and its tasks are claimed with
// tickets that carry the job's number: a ticket of another job is refused.

#include "zoo_kernels.h"
#include <pthread.h>
#include <sched.h>
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
/// Pauses between yields of a spinning thread (a few microseconds).
#define ZK_SPINS_PER_YIELD 256

typedef struct {
    zk_task_fn fn;
    void *context;
    int count;
    int participants;
    uint32_t number;
} zk_job;

static pthread_mutex_t zk_run_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t zk_sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t zk_wake = PTHREAD_COND_INITIALIZER;
/// Bumped for every job: what idle workers watch.
static _Atomic unsigned long zk_generation = 0;
/// The current job, written under zk_sequence (odd while being written).
static _Atomic unsigned zk_sequence = 0;
static _Atomic(zk_task_fn) zk_job_fn;
static _Atomic(void *) zk_job_context;
static _Atomic int zk_job_count;
static _Atomic int zk_job_participants;
static _Atomic uint32_t zk_job_number;
/// (job number << 32) | next task index.
static _Atomic uint64_t zk_ticket = 0;
/// Tasks of the current job that have returned.
static _Atomic int zk_done = 0;
static _Atomic int zk_sleeping = 0;
static uint32_t zk_jobs = 0;
static int zk_workers = 0;
static _Thread_local int zk_inside = 0;

/// A consistent copy of the current job.
static void zk_read_job(zk_job *job) {
    for (;;) {
        unsigned before = atomic_load(&zk_sequence);
        if (before & 1) {
            ZK_PAUSE();
            continue;
        }
        job->fn = atomic_load(&zk_job_fn);
        job->context = atomic_load(&zk_job_context);
        job->count = atomic_load(&zk_job_count);
        job->participants = atomic_load(&zk_job_participants);
        job->number = atomic_load(&zk_job_number);
        if (atomic_load(&zk_sequence) == before) return;
    }
}

/// Claims and runs tasks of `job` while it is the current job and has tasks left.
static void zk_take_tasks(const zk_job *job) {
    for (;;) {
        uint64_t ticket = atomic_load(&zk_ticket);
        if ((uint32_t)(ticket >> 32) != job->number) return;
        uint32_t index = (uint32_t)ticket;
        if (index >= (uint32_t)job->count) return;
        if (!atomic_compare_exchange_weak(&zk_ticket, &ticket, ticket + 1)) continue;
        job->fn(job->context, (int)index);
        atomic_fetch_add(&zk_done, 1);
    }
}

static long long zk_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

typedef struct {
    int id;
    unsigned long seen;
} zk_worker_start;

static void *zk_worker_main(void *arg) {
    // `seen` is the generation before the worker was created: a job published while the thread
    // was starting is still one it can help with.
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
            if ((++spins & (ZK_SPINS_PER_YIELD - 1)) != 0) continue;
            // On a shared core, let whatever else is runnable there (the caller waiting for a
            // task this worker holds, another process) go first; alone, this returns at once.
            sched_yield();
            if ((spins & 1023) != 0) continue;
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
        zk_job job;
        zk_read_job(&job);
        if (id < job.participants) zk_take_tasks(&job);
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
    zk_job job = {fn, context, count, threads - 1, ++zk_jobs};
    atomic_fetch_add(&zk_sequence, 1);
    atomic_store(&zk_job_fn, fn);
    atomic_store(&zk_job_context, context);
    atomic_store(&zk_job_count, count);
    atomic_store(&zk_job_participants, job.participants);
    atomic_store(&zk_job_number, job.number);
    atomic_fetch_add(&zk_sequence, 1);
    atomic_store(&zk_done, 0);
    atomic_store(&zk_ticket, (uint64_t)job.number << 32);
    atomic_fetch_add(&zk_generation, 1);
    if (atomic_load(&zk_sleeping) > 0) {
        pthread_mutex_lock(&zk_sleep_lock);
        pthread_cond_broadcast(&zk_wake);
        pthread_mutex_unlock(&zk_sleep_lock);
    }
    zk_inside = 1;
    zk_take_tasks(&job);
    zk_inside = 0;
    // Tasks other threads claimed may still be running; nobody else is waited for. A worker
    // preempted in the middle of one is runnable again as soon as it gets a core, possibly
    // this one: yield it now and then instead of spinning it away.
    for (unsigned spins = 1; atomic_load(&zk_done) < count; spins++) {
        ZK_PAUSE();
        if ((spins & (ZK_SPINS_PER_YIELD - 1)) == 0) sched_yield();
    }
    pthread_mutex_unlock(&zk_run_lock);
}
