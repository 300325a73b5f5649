// Exits 0 when the build machine can run simdjson's haswell kernel.
int main() {
  __builtin_cpu_init();
  return (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
          __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("popcnt"))
             ? 0
             : 1;
}
