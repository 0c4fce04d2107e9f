// Private: the byte-level writer and reader of the snapshot format (snapshot.h): LEB128
// varints, zigzag for signed values, fixed little-endian words, length-prefixed strings.
// The reader bounds-checks every read and throws SnapshotError naming the file, so a crafted
// or buggy file can never make the loader read out of range. Not thread-safe (plain values).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "orderwatch/tracking/snapshot.h"

namespace orderwatch::tracking::snapshot_codec {

inline std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
inline std::int64_t unzigzag(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

// Appends to a std::string through a raw cursor; room is made in large steps so the per-order
// path is a bounds check and a few stores.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out), pos_(out.size()) {}
  ~Writer() { out_.resize(pos_); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void reserve(std::size_t n) {
    if (pos_ + n > out_.size()) out_.resize(std::max(out_.size() * 2, pos_ + n + 4096));
  }
  void varint(std::uint64_t v) {
    reserve(10);
    char* p = out_.data() + pos_;
    while (v >= 0x80) {
      *p++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *p++ = static_cast<char>(v);
    pos_ = static_cast<std::size_t>(p - out_.data());
  }
  void svarint(std::int64_t v) { varint(zigzag(v)); }
  void fixed64(std::uint64_t v) {
    reserve(8);
    for (int i = 0; i < 8; ++i) out_[pos_++] = static_cast<char>(v >> (8 * i));
  }
  void bytes(std::string_view s) {
    reserve(s.size());
    std::memcpy(out_.data() + pos_, s.data(), s.size());
    pos_ += s.size();
  }
  void string(std::string_view s) {
    varint(s.size());
    bytes(s);
  }

 private:
  std::string& out_;
  std::size_t pos_;
};

class Reader {
 public:
  Reader(std::string_view in, const std::string& name)
      : p_(in.data()), end_(p_ + in.size()), name_(name) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw SnapshotError(name_ + ": corrupt snapshot: " + what);
  }
  std::size_t remaining() const { return static_cast<std::size_t>(end_ - p_); }
  bool done() const { return p_ == end_; }

  std::uint64_t varint(const char* what) {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) fail(std::string("truncated ") + what);
      const auto b = static_cast<std::uint8_t>(*p_++);
      if (shift == 63 && b > 1) fail(std::string("varint overflow in ") + what);
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return v;
    }
    fail(std::string("varint overflow in ") + what);
  }
  std::int64_t svarint(const char* what) { return unzigzag(varint(what)); }
  // A count of items each at least `min_bytes` long: bounded by what is left, so a corrupt
  // count cannot make the loader reserve huge memory.
  std::uint64_t count(const char* what, std::size_t min_bytes = 1) {
    const std::uint64_t n = varint(what);
    if (n > remaining() / std::max<std::size_t>(min_bytes, 1))
      fail(std::string(what) + " too large");
    return n;
  }
  std::uint64_t fixed64(const char* what) {
    if (remaining() < 8) fail(std::string("truncated ") + what);
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
      v |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(p_[i])) << (8 * i);
    p_ += 8;
    return v;
  }
  std::string_view bytes(std::size_t n, const char* what) {
    if (remaining() < n) fail(std::string("truncated ") + what);
    std::string_view s(p_, n);
    p_ += n;
    return s;
  }
  std::string_view string(const char* what) { return bytes(count(what), what); }

 private:
  const char* p_;
  const char* end_;
  const std::string& name_;
};

}  // namespace orderwatch::tracking::snapshot_codec
