// The snapshot container (snapshot.h): header, CRC32C trailer, checks on open, the atomic file
// write and the bounded file read. The state encoding is tracker_state.cpp/snapshot_load.cpp;
// TrackerService (service_snapshot.cpp, service_reload.cpp) writes and reads the files.
#include "orderwatch/tracking/snapshot.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace orderwatch::tracking {

namespace {

constexpr char kMagic[8] = {'O', 'W', 'S', 'N', 'A', 'P', '\r', '\n'};

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kTable = make_table();

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t crc32c_sse42(std::string_view data,
                                                             std::uint32_t crc) {
  std::uint64_t c = ~crc;
  const char* p = data.data();
  std::size_t n = data.size();
  while (n >= 8) {
    std::uint64_t word;
    std::memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
    p += 8;
    n -= 8;
  }
  auto c32 = static_cast<std::uint32_t>(c);
  while (n-- > 0) c32 = _mm_crc32_u8(c32, static_cast<std::uint8_t>(*p++));
  return ~c32;
}
#endif

void put_u32(char* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
void put_u64(char* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
std::uint32_t get_u32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i)
    v |= static_cast<std::uint32_t>(static_cast<std::uint8_t>(p[i])) << (8 * i);
  return v;
}
std::uint64_t get_u64(const char* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(p[i])) << (8 * i);
  return v;
}

std::string errno_text() { return std::strerror(errno); }

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

std::uint32_t crc32c_portable(std::string_view data, std::uint32_t crc) {
  std::uint32_t c = ~crc;
  for (char ch : data) c = kTable[(c ^ static_cast<std::uint8_t>(ch)) & 0xFF] ^ (c >> 8);
  return ~c;
}

std::uint32_t crc32c(std::string_view data, std::uint32_t crc) {
#if defined(__x86_64__)
  static const bool hw = __builtin_cpu_supports("sse4.2");
  if (hw) return crc32c_sse42(data, crc);
#endif
  return crc32c_portable(data, crc);
}

void begin_snapshot(std::string& image) {
  char header[kSnapshotHeaderBytes] = {};
  std::memcpy(header, kMagic, sizeof kMagic);
  put_u32(header + 8, kSnapshotVersion);
  put_u32(header + 12, 0);  // flags: none defined
  put_u64(header + 16, 0);  // total length, filled in by seal_snapshot
  image.append(header, sizeof header);
}

void seal_snapshot(std::string& image) {
  put_u64(image.data() + 16, image.size() + kSnapshotTrailerBytes);
  char trailer[kSnapshotTrailerBytes];
  put_u32(trailer, crc32c(image));
  image.append(trailer, sizeof trailer);
}

std::string_view open_snapshot(std::string_view image, const std::string& name,
                               std::uint32_t* version_out) {
  const std::string prefix = name + ": ";
  const std::size_t magic_len = std::min(image.size(), sizeof kMagic);
  if (std::memcmp(image.data(), kMagic, magic_len) != 0) {
    throw SnapshotError(prefix + "not an orderwatch snapshot (bad magic)");
  }
  if (image.size() < kSnapshotHeaderBytes + kSnapshotTrailerBytes) {
    throw SnapshotError(prefix + "truncated snapshot (" + std::to_string(image.size()) +
                        " bytes, shorter than its header)");
  }
  const std::uint32_t version = get_u32(image.data() + 8);
  if (version < kOldestSnapshotVersion || version > kSnapshotVersion) {
    throw SnapshotError(prefix + "unknown snapshot format version " + std::to_string(version) +
                        " (this orderwatch reads versions " +
                        std::to_string(kOldestSnapshotVersion) + " to " +
                        std::to_string(kSnapshotVersion) + ")");
  }
  if (version_out != nullptr) *version_out = version;
  const std::uint32_t flags = get_u32(image.data() + 12);
  if (flags != 0) {
    throw SnapshotError(prefix + "unknown snapshot flags 0x" + [&] {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%x", flags);
      return std::string(buf);
    }());
  }
  const std::uint64_t length = get_u64(image.data() + 16);
  if (length > image.size()) {
    throw SnapshotError(prefix + "truncated snapshot (" + std::to_string(image.size()) + " of " +
                        std::to_string(length) + " bytes)");
  }
  if (length < image.size()) {
    throw SnapshotError(prefix + "snapshot has " + std::to_string(image.size() - length) +
                        " bytes of trailing garbage (expected " + std::to_string(length) +
                        " bytes)");
  }
  const std::size_t body_end = image.size() - kSnapshotTrailerBytes;
  const std::uint32_t stored = get_u32(image.data() + body_end);
  const std::uint32_t actual = crc32c(image.substr(0, body_end));
  if (stored != actual) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "checksum mismatch (stored %08x, computed %08x)", stored,
                  actual);
    throw SnapshotError(prefix + buf);
  }
  return image.substr(kSnapshotHeaderBytes, body_end - kSnapshotHeaderBytes);
}

void write_file_atomically(const std::string& path, std::string_view bytes) {
  const std::string tmp = path + ".tmp";
  auto fail = [&](const std::string& what, int fd) {
    const std::string msg = what + ": " + errno_text();
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    throw std::runtime_error(msg);
  };
  // A fresh file of our own: whatever sits at the temp path (a crashed write's leftover, or a
  // symlink planted to make us write elsewhere) is removed, never followed or reused. The
  // snapshot holds order ids: readable by the owner only.
  if (::unlink(tmp.c_str()) != 0 && errno != ENOENT) fail("cannot remove stale " + tmp, -1);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) fail("cannot create " + tmp, -1);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write " + tmp, fd);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) fail("cannot fsync " + tmp, fd);
  if (::close(fd) != 0) fail("cannot close " + tmp, -1);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("cannot rename " + tmp + " to " + path, -1);
  // The rename is durable only once the directory entry is: fsync the directory.
  const std::string dir = directory_of(path);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) throw std::runtime_error("cannot open directory " + dir + ": " + errno_text());
  const int rc = ::fsync(dfd);
  const std::string err = rc != 0 ? errno_text() : "";
  ::close(dfd);
  if (rc != 0) throw std::runtime_error("cannot fsync directory " + dir + ": " + err);
}

std::string read_snapshot_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) throw SnapshotError(path + ": cannot open snapshot: " + errno_text());
  auto fail = [&](const std::string& what) {
    ::close(fd);
    throw SnapshotError(path + ": " + what);
  };
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail("cannot stat snapshot: " + errno_text());
  if (!S_ISREG(st.st_mode)) fail("not a regular file");
  // The header names the image's length: a file whose size disagrees (truncated, appended to,
  // or a huge sparse file) is refused before anything is allocated for it.
  char header[kSnapshotHeaderBytes];
  const ssize_t got = ::pread(fd, header, sizeof header, 0);
  if (got < 0) fail("cannot read snapshot: " + errno_text());
  if (std::memcmp(header, kMagic,
                  std::min<std::size_t>(static_cast<std::size_t>(got), sizeof kMagic)) != 0) {
    fail("not an orderwatch snapshot (bad magic)");
  }
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (static_cast<std::size_t>(got) == sizeof header) {
    const std::uint64_t length = get_u64(header + 16);
    if (length > size) {
      fail("truncated snapshot (" + std::to_string(size) + " of " + std::to_string(length) +
           " bytes)");
    }
    if (length < size) {
      fail("snapshot has " + std::to_string(size - length) +
           " bytes of trailing garbage (expected " + std::to_string(length) + " bytes)");
    }
  }
  // Nothing this machine could hold: refuse rather than be killed for memory.
  const auto phys = static_cast<std::uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
                    static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  if (size > phys / 2) {
    fail("snapshot of " + std::to_string(size) + " bytes is larger than half of this machine's " +
         std::to_string(phys) + " bytes of memory");
  }
  std::string out;
  try {
    out.resize(static_cast<std::size_t>(size));
  } catch (const std::bad_alloc&) {
    fail("not enough memory to read a snapshot of " + std::to_string(size) + " bytes");
  }
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("cannot read snapshot: " + errno_text());
    if (n == 0) break;  // the file shrank while reading: the length check reports it
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  ::close(fd);
  return out;
}

}  // namespace orderwatch::tracking
