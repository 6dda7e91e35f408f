// arc_wal_sync_bench: what reusing a WAL segment file saves per group commit
// (docs/wal-format.md, "Reusing segment files"). Two ways of writing a log file alternate in
// passes, in one process, on the same directory:
//   new    a fresh file (FileSystem::NewLogFile): every write grows it, so each fdatasync also
//          writes the inode and the block map;
//   reuse  a file of the same size written earlier (FileSystem::ReuseLogFile): the writes
//          overwrite allocated blocks, and fdatasync writes the data and flushes.
// Each sync covers one write of --write-kb (the bytes of one group commit). Prints, per mode,
// the mean, p50 and p99 time of Sync and the voluntary context switches of the syncing thread
// per sync, and the CPU one sync costs: the process's own (getrusage) and the whole machine's
// (/proc/stat, all cores, so interrupts and wakeups elsewhere count; run it on a quiet machine).
//   arc_wal_sync_bench --dir DIR [--passes 6] [--syncs 300] [--write-kb 64]
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "common/file_system.h"

namespace {

struct Samples {
  std::vector<double> ms;
  long switches = 0;
  double process_cpu_us = 0;
  double machine_cpu_us = 0;
};

double ProcessCpuMicros() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return 1e6 * static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// Busy time of all cores (user, nice, system, irq, softirq) from /proc/stat, in microseconds.
double MachineCpuMicros() {
  std::ifstream stat("/proc/stat");
  std::string cpu;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0;
  stat >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq;
  return (user + nice + system + irq + softirq) * 1e6 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long VoluntarySwitches() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return u.ru_nvcsw;
}

// Writes `syncs` chunks to `file`, one Sync each, and records the Sync times.
bool RunPass(arc::WritableFile* file, int syncs, const std::string& chunk, Samples* out) {
  const double process0 = ProcessCpuMicros(), machine0 = MachineCpuMicros();
  for (int i = 0; i < syncs; ++i) {
    if (!file->Append(chunk).ok()) return false;
    const long before = VoluntarySwitches();
    const auto t0 = std::chrono::steady_clock::now();
    if (!file->Sync(arc::SyncKind::kData).ok()) return false;
    out->ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    out->switches += VoluntarySwitches() - before;
  }
  out->process_cpu_us += ProcessCpuMicros() - process0;
  out->machine_cpu_us += MachineCpuMicros() - machine0;
  return true;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  int passes = 6, syncs = 300, write_kb = 64;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--dir")
      dir = argv[i + 1];
    else if (k == "--passes")
      passes = std::atoi(argv[i + 1]);
    else if (k == "--syncs")
      syncs = std::atoi(argv[i + 1]);
    else if (k == "--write-kb")
      write_kb = std::atoi(argv[i + 1]);
  }
  if (dir.empty() || passes < 1 || syncs < 1 || write_kb < 1) {
    std::fprintf(stderr,
                 "usage: arc_wal_sync_bench --dir DIR [--passes 6] [--syncs 300] "
                 "[--write-kb 64]\n");
    return 2;
  }
  arc::FileSystem* fs = arc::DefaultFileSystem();
  // Entries are not 4096-aligned: a chunk of odd length makes each write rewrite a partial
  // block, as the WAL's do.
  const std::string chunk(static_cast<size_t>(write_kb) * 1024 - 37, 'w');
  const std::string fresh = dir + "/bench-new.wal", spare = dir + "/bench-reuse.wal";
  std::map<std::string, Samples> by_mode;
  for (int pass = 0; pass < passes; ++pass) {
    // "new" first: its file then serves as the next pass's spare, as a retired segment does.
    auto f = fs->NewLogFile(fresh);
    if (!f.ok() || !RunPass(f->get(), syncs, chunk, &by_mode["new"])) {
      std::fprintf(stderr, "new file: write or sync failed\n");
      return 1;
    }
    (void)(*f)->Close();
    f->reset();
    if (pass > 0) {
      auto r = fs->ReuseLogFile(spare);
      if (!r.ok() || !RunPass(r->get(), syncs, chunk, &by_mode["reuse"])) {
        std::fprintf(stderr, "reused file: write or sync failed\n");
        return 1;
      }
    }
    if (!fs->Rename(fresh, spare).ok()) return 1;
  }
  (void)fs->Remove(spare);
  for (const auto& [mode, s] : by_mode) {
    double sum = 0;
    for (double v : s.ms) sum += v;
    std::printf("mode=%s syncs=%zu sync_ms_mean=%.3f p50=%.3f p99=%.3f switches_per_sync=%.2f "
                "process_cpu_us_per_sync=%.1f machine_cpu_us_per_sync=%.1f\n",
                mode.c_str(), s.ms.size(), sum / static_cast<double>(s.ms.size()),
                Percentile(s.ms, 0.5), Percentile(s.ms, 0.99),
                static_cast<double>(s.switches) / static_cast<double>(s.ms.size()),
                s.process_cpu_us / static_cast<double>(s.ms.size()),
                s.machine_cpu_us / static_cast<double>(s.ms.size()));
  }
  return 0;
}
