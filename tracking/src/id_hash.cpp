// The keyed order-id hash (id_hash.h): SipHash-1-3 and the per-process random key. Called on
// every event by the tracker (OrderTable, TombstoneSet lookups) and by snapshot load/save.
#include "id_hash.h"

#include <sys/random.h>

#include <cstring>
#include <random>

namespace orderwatch::tracking {

namespace {

inline std::uint64_t rotl(std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct SipState {
  std::uint64_t v0, v1, v2, v3;
  void round() {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  }
  void absorb(std::uint64_t m) {
    v3 ^= m;
    round();  // 1 compression round
    v0 ^= m;
  }
};

}  // namespace

HashKey random_hash_key() {
  HashKey key;
  std::uint64_t words[2] = {0, 0};
  if (getrandom(words, sizeof words, 0) == static_cast<ssize_t>(sizeof words)) {
    key.k0 = words[0];
    key.k1 = words[1];
    return key;
  }
  std::random_device rd;
  key.k0 = (std::uint64_t{rd()} << 32) | rd();
  key.k1 = (std::uint64_t{rd()} << 32) | rd();
  return key;
}

std::uint64_t hash_order_id(const HashKey& key, std::string_view id) {
  SipState s{key.k0 ^ 0x736f6d6570736575ULL, key.k1 ^ 0x646f72616e646f6dULL,
             key.k0 ^ 0x6c7967656e657261ULL, key.k1 ^ 0x7465646279746573ULL};
  const char* p = id.data();
  std::size_t n = id.size();
  for (; n >= 8; n -= 8, p += 8) {
    std::uint64_t m;
    std::memcpy(&m, p, sizeof m);  // little-endian hosts (as the snapshot format)
    s.absorb(m);
  }
  std::uint64_t last = static_cast<std::uint64_t>(id.size()) << 56;
  std::uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  s.absorb(last | tail);
  s.v2 ^= 0xff;
  for (int i = 0; i < 3; ++i) s.round();  // 3 finalisation rounds
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace orderwatch::tracking
