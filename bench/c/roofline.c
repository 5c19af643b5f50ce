/*
 * The machine's limits for scripts/compare-peers, compiled on the spot with
 *   gcc -O3 -march=native -ffast-math -fopenmp roofline.c -o roofline -lm
 * and run as  roofline ROWS V REPS. Prints one JSON object: the median (over REPS) of
 *   readGBs      read bandwidth: sum of a 1 GiB float array over all threads,
 *   fmaGflops    FP32 FMA peak: 16 independent 16-lane FMA chains per thread, in registers,
 *   lseMs        LSE of ROWS x V float32 rows: max pass, then sum of expf(x - m) (glibc's vector expf),
 *   softmaxMs    softmax of the same rows into a preallocated float32 output: max pass, a pass
 *                writing expf(x - m) and summing it, a pass scaling by 1/sum,
 *   logSoftmaxMs log-softmax likewise: max pass, sum of expf pass, a pass writing x - m - log(sum).
 * Rows run in parallel (OpenMP), as gapscope's cpu backend does.
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static double median(double *v, int n) {
    qsort(v, n, sizeof *v, cmp);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static float rowmax(const float *x, long v) {
    float m = -INFINITY;
    for (long i = 0; i < v; i++) m = x[i] > m ? x[i] : m;
    return m;
}

static void lse(const float *x, long rows, long v, float *out) {
#pragma omp parallel for schedule(static)
    for (long r = 0; r < rows; r++) {
        const float *p = x + r * v;
        float m = rowmax(p, v), s = 0;
        for (long i = 0; i < v; i++) s += expf(p[i] - m);
        out[r] = m + logf(s);
    }
}

static void softmax(const float *x, long rows, long v, float *y) {
#pragma omp parallel for schedule(static)
    for (long r = 0; r < rows; r++) {
        const float *p = x + r * v;
        float *q = y + r * v;
        float m = rowmax(p, v), s = 0;
        for (long i = 0; i < v; i++) {
            q[i] = expf(p[i] - m);
            s += q[i];
        }
        float inv = 1.0f / s;
        for (long i = 0; i < v; i++) q[i] *= inv;
    }
}

static void log_softmax(const float *x, long rows, long v, float *y) {
#pragma omp parallel for schedule(static)
    for (long r = 0; r < rows; r++) {
        const float *p = x + r * v;
        float *q = y + r * v;
        float m = rowmax(p, v), s = 0;
        for (long i = 0; i < v; i++) s += expf(p[i] - m);
        float l = m + logf(s);
        for (long i = 0; i < v; i++) q[i] = p[i] - l;
    }
}

static float fma_kernel(long iters, float seed) {
    typedef float v16 __attribute__((vector_size(64)));
    v16 a[16], b, c;
    for (int k = 0; k < 16; k++) for (int l = 0; l < 16; l++) a[k][l] = seed + k + l;
    for (int l = 0; l < 16; l++) { b[l] = 0.999f; c[l] = 0.001f; }
    for (long i = 0; i < iters; i++)
        for (int k = 0; k < 16; k++) a[k] = a[k] * b + c;
    float s = 0;
    for (int k = 0; k < 16; k++) for (int l = 0; l < 16; l++) s += a[k][l];
    return s;
}

int main(int argc, char **argv) {
    long rows = argc > 1 ? atol(argv[1]) : 64, v = argc > 2 ? atol(argv[2]) : 262144;
    int reps = argc > 3 ? atoi(argv[3]) : 10;
    int threads = omp_get_max_threads();
    double t[256];
    if (reps > 256) reps = 256;
    /* read bandwidth */
    long nb = (1L << 30) / 4;
    float *big = malloc(nb * 4);
#pragma omp parallel for schedule(static)
    for (long i = 0; i < nb; i++) big[i] = (float) (i & 1023) * 1e-3f;
    volatile float sink = 0;
    for (int k = 0; k < reps; k++) {
        double t0 = now_ms();
        float s = 0;
#pragma omp parallel for reduction(+ : s) schedule(static)
        for (long i = 0; i < nb; i++) s += big[i];
        sink += s;
        t[k] = now_ms() - t0;
    }
    double read_gbs = nb * 4.0 / (median(t, reps) * 1e6);
    free(big);
    /* FMA peak */
    long iters = 20000000;
    for (int k = 0; k < reps; k++) {
        double t0 = now_ms();
        float s = 0;
#pragma omp parallel reduction(+ : s)
        s += fma_kernel(iters, (float) omp_get_thread_num());
        sink += s;
        t[k] = now_ms() - t0;
    }
    double fma_gflops = 2.0 * 16 * 16 * iters * threads / (median(t, reps) * 1e6);
    /* LSE, softmax, log-softmax */
    float *x = malloc(rows * v * 4), *y = malloc(rows * v * 4), *l = malloc(rows * 4);
    unsigned long long st = 88172645463325252ULL;
#pragma omp parallel for schedule(static)
    for (long i = 0; i < rows * v; i++) {
        unsigned long long z = st + (unsigned long long) i * 0x9E3779B97F4A7C15ULL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        x[i] = 3.0f * ((float) ((z >> 40) & 0xFFFFFF) / 16777216.0f - 0.5f) * 3.4f;
        y[i] = 0;
    }
    double ms[3];
    for (int op = 0; op < 3; op++) {
        for (int k = 0; k < reps + 1; k++) {
            double t0 = now_ms();
            if (op == 0) lse(x, rows, v, l);
            else if (op == 1) softmax(x, rows, v, y);
            else log_softmax(x, rows, v, y);
            if (k > 0) t[k - 1] = now_ms() - t0;
        }
        ms[op] = median(t, reps);
        sink += l[0] + y[v - 1];
    }
    printf("{\"threads\": %d, \"readGBs\": %.3f, \"fmaGflops\": %.3f, \"lseMs\": %.4f, \"softmaxMs\": %.4f, "
           "\"logSoftmaxMs\": %.4f, \"rows\": %ld, \"vocab\": %ld, \"check\": %g}\n",
           threads, read_gbs, fma_gflops, ms[0], ms[1], ms[2], rows, v, (double) sink * 0);
    return 0;
}
