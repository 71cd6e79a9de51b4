/* OpenBLAS sgemm GFLOPS for scale beside rnn4j's GemmBench (see BENCHMARKS.md). Row-major C = A B^T, best of N calls.
 *
 *   gcc -O2 -o /tmp/sgemm_openblas scripts/bench/sgemm_openblas.c /usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0
 *   OPENBLAS_NUM_THREADS=1 /tmp/sgemm_openblas 2048 2048 2048 5
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
void cblas_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc);
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
int main(int argc, char **argv) {
  int m = atoi(argv[1]), n = atoi(argv[2]), k = atoi(argv[3]), reps = atoi(argv[4]);
  float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * n * k), *c = malloc(sizeof(float) * m * n);
  for (long i = 0; i < (long) m * k; i++) a[i] = (float) (i % 17) / 17.0f - 0.5f;
  for (long i = 0; i < (long) n * k; i++) b[i] = (float) (i % 13) / 13.0f - 0.5f;
  cblas_sgemm(101, 111, 112, m, n, k, 1.f, a, k, b, k, 0.f, c, n); /* warm-up; row-major, C = A B^T */
  double best = 1e30;
  for (int r = 0; r < reps; r++) {
    double t0 = now();
    cblas_sgemm(101, 111, 112, m, n, k, 1.f, a, k, b, k, 0.f, c, n);
    double dt = now() - t0;
    if (dt < best) best = dt;
  }
  printf("%dx%dx%d: best %.3f ms, %.1f GFLOPS\n", m, n, k, best * 1e3, 2.0 * m * n * k / best / 1e9);
  return 0;
}
