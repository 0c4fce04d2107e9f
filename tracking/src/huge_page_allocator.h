// HugePageAllocator: a std::allocator for the tracker's large arrays (order records, hash
// slots). Allocations of 2 MiB and more are mmap'ed 2 MiB-aligned and advised
// MADV_HUGEPAGE, so random lookups over millions of orders walk far fewer page-table
// levels (on this class of machine a TLB miss costs as much as the data miss). Smaller
// allocations use operator new. Stateless; thread-safe.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <new>

namespace orderwatch::tracking {

template <typename T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;

  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) return static_cast<T*>(::operator new(bytes));
    const std::size_t rounded = (bytes + kHugePage - 1) & ~(kHugePage - 1);
    // Over-allocate by one huge page so the block can start on a 2 MiB boundary.
    void* raw = ::mmap(nullptr, rounded + kHugePage, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    auto base = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = (base + kHugePage - 1) & ~(kHugePage - 1);
    if (aligned > base) ::munmap(raw, aligned - base);
    const std::uintptr_t end = base + rounded + kHugePage;
    if (end > aligned + rounded)
      ::munmap(reinterpret_cast<void*>(aligned + rounded), end - aligned - rounded);
    ::madvise(reinterpret_cast<void*>(aligned), rounded, MADV_HUGEPAGE);
    return reinterpret_cast<T*>(aligned);
  }

  void deallocate(T* p, std::size_t n) noexcept {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) {
      ::operator delete(p);
      return;
    }
    ::munmap(p, (bytes + kHugePage - 1) & ~(kHugePage - 1));
  }

  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace orderwatch::tracking
