// Snapshot files as the file system hands them over: whatever sits at the path (a huge sparse
// file, a size that disagrees with the header, a FIFO, a symlink planted at the temp path) is
// refused with a SnapshotError or written around, never followed, never allocated for, never
// an abort.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "orderwatch/sla/loader.h"
#include "orderwatch/tracking/service.h"
#include "orderwatch/tracking/snapshot.h"

namespace orderwatch::tracking {
namespace {

class SnapshotFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/orderwatch-snapfile-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string path(const std::string& name) const { return dir_ + "/" + name; }
  static std::string read(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  // A valid image of an empty tracker (header, body, trailer).
  static std::string image() {
    const sla::Config cfg = sla::load_string(
        "service: s\nnats: {subject: o.>}\nstatuses:\n  - {name: Placed, sla: 1m}\n");
    OrderTracker tracker(cfg);
    std::string out;
    tracker.save_state(out, 0, 1'700'000'000'000);
    seal_snapshot(out);
    return out;
  }
  std::string expect_refused(const std::string& p) {
    try {
      read_snapshot_file(p);
    } catch (const SnapshotError& e) {
      return e.what();
    }
    ADD_FAILURE() << p << " was not refused";
    return "";
  }
  std::string dir_;
};

TEST_F(SnapshotFileTest, HugeSparseFileIsRefusedBeforeAnythingIsAllocated) {
  // A 1 TiB file whose header claims exactly that size: nothing this machine could load.
  const std::string p = path("huge");
  std::string header = image().substr(0, kSnapshotHeaderBytes);
  const std::uint64_t size = 1ULL << 40;
  for (int i = 0; i < 8; ++i) header[16 + i] = static_cast<char>(size >> (8 * i));
  { std::ofstream(p, std::ios::binary) << header; }
  ASSERT_EQ(truncate(p.c_str(), static_cast<off_t>(size)), 0);
  EXPECT_NE(expect_refused(p).find("larger than half of this machine's"), std::string::npos);
}

TEST_F(SnapshotFileTest, SizeThatDisagreesWithTheHeaderIsRefused) {
  const std::string good = image();
  const std::string p = path("snap");
  std::ofstream(p, std::ios::binary) << good.substr(0, good.size() - 3);
  EXPECT_NE(expect_refused(p).find("truncated snapshot"), std::string::npos);
  std::ofstream(p, std::ios::binary) << good << "extra";
  EXPECT_NE(expect_refused(p).find("5 bytes of trailing garbage"), std::string::npos);
  std::ofstream(p, std::ios::binary) << good;
  EXPECT_EQ(read_snapshot_file(p), good);
}

TEST_F(SnapshotFileTest, NotARegularFileIsRefusedWithoutBlocking) {
  const std::string p = path("fifo");
  ASSERT_EQ(mkfifo(p.c_str(), 0600), 0);
  EXPECT_NE(expect_refused(p).find("not a regular file"), std::string::npos);
  EXPECT_NE(expect_refused(dir_).find("not a regular file"), std::string::npos);
}

TEST_F(SnapshotFileTest, SymlinkAtTheTempPathIsNotFollowed) {
  const std::string victim = path("victim");
  std::ofstream(victim) << "precious";
  const std::string snap = path("state.snap");
  ASSERT_EQ(symlink(victim.c_str(), (snap + ".tmp").c_str()), 0);
  write_file_atomically(snap, "new bytes");
  EXPECT_EQ(read(victim), "precious");
  EXPECT_EQ(read(snap), "new bytes");
  struct stat st {};
  ASSERT_EQ(lstat((snap + ".tmp").c_str(), &st), -1);  // nothing left behind
  ASSERT_EQ(stat(snap.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "the snapshot holds order ids: owner only";
}

TEST_F(SnapshotFileTest, LoadingAHugeFileThroughTheServiceIsASnapshotError) {
  const std::string p = path("huge2");
  std::ofstream(p, std::ios::binary) << image().substr(0, kSnapshotHeaderBytes);
  ASSERT_EQ(truncate(p.c_str(), static_cast<off_t>(1ULL << 40)), 0);
  TrackerService service(sla::load_string("service: s\nnats: {subject: o.>}\nstatuses:\n"
                                          "  - {name: Placed, sla: 1m}\n"),
                         [] { return std::int64_t{1'700'000'000'000}; });
  EXPECT_THROW(service.load_snapshot(p), SnapshotError);
}

}  // namespace
}  // namespace orderwatch::tracking
