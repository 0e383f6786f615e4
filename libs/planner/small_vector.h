#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <new>
#include <type_traits>

// A vector of trivially copyable values that keeps its first N elements inline: the scratch
// lists of the planner engines (words of a clause, step numbers, ...), which are short, built
// once and thrown away. Leaner than absl::InlinedVector for such values: elements are copied
// with memcpy and growth is the only branch of push_back.
namespace armature::planner {

template <typename T, size_t N>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>,
                "SmallVector holds trivially copyable values only");
  static_assert(N > 0, "SmallVector needs inline room");

 public:
  using value_type = T;
  using size_type = size_t;
  using difference_type = std::ptrdiff_t;
  using reference = T&;
  using const_reference = const T&;
  using pointer = T*;
  using const_pointer = const T*;
  using iterator = T*;
  using const_iterator = const T*;

  SmallVector() noexcept : data_(Inline()), size_(0), capacity_(N) {}
  explicit SmallVector(size_t count, const T& value = T()) : SmallVector() { assign(count, value); }
  template <typename It, typename = std::enable_if_t<!std::is_integral_v<It>>>
  SmallVector(It first, It last) : SmallVector() {
    assign(first, last);
  }
  SmallVector(std::initializer_list<T> values) : SmallVector() {
    assign(values.begin(), values.end());
  }
  SmallVector(const SmallVector& other) : SmallVector() { assign(other.begin(), other.end()); }
  SmallVector(SmallVector&& other) noexcept : SmallVector() { Take(&other); }
  SmallVector& operator=(const SmallVector& other) {
    if (this != &other) assign(other.begin(), other.end());
    return *this;
  }
  SmallVector& operator=(SmallVector&& other) noexcept {
    if (this != &other) {
      Release();
      Take(&other);
    }
    return *this;
  }
  SmallVector& operator=(std::initializer_list<T> values) {
    assign(values.begin(), values.end());
    return *this;
  }
  ~SmallVector() { Release(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  size_t capacity() const { return capacity_; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  iterator begin() { return data_; }
  iterator end() { return data_ + size_; }
  const_iterator begin() const { return data_; }
  const_iterator end() const { return data_ + size_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T& front() { return data_[0]; }
  const T& front() const { return data_[0]; }
  T& back() { return data_[size_ - 1]; }
  const T& back() const { return data_[size_ - 1]; }

  void reserve(size_t count) {
    if (count > capacity_) Grow(count);
  }
  void clear() { size_ = 0; }

  void push_back(const T& value) {
    if (size_ == capacity_) {
      const T copy = value;  // `value` may be an element
      Grow(size_ + 1);
      ::new (static_cast<void*>(data_ + size_)) T(copy);
    } else {
      ::new (static_cast<void*>(data_ + size_)) T(value);
    }
    ++size_;
  }
  template <typename... Args>
  T& emplace_back(Args&&... args) {
    const T value(std::forward<Args>(args)...);
    push_back(value);
    return back();
  }
  void pop_back() { --size_; }

  void resize(size_t count) { resize(count, T()); }
  void resize(size_t count, const T& value) {
    if (count > size_) {
      const T copy = value;
      reserve(count);
      std::uninitialized_fill_n(data_ + size_, count - size_, copy);
    }
    size_ = count;
  }

  void assign(size_t count, const T& value) {
    const T copy = value;
    size_ = 0;
    resize(count, copy);
  }
  // [first, last) must not point into this vector.
  template <typename It, typename = std::enable_if_t<!std::is_integral_v<It>>>
  void assign(It first, It last) {
    size_ = 0;
    insert(end(), first, last);
  }

  // Inserts [first, last), which must not point into this vector, before `pos`.
  template <typename It, typename = std::enable_if_t<!std::is_integral_v<It>>>
  iterator insert(const_iterator pos, It first, It last) {
    const size_t at = static_cast<size_t>(pos - data_);
    const size_t count = static_cast<size_t>(std::distance(first, last));
    reserve(size_ + count);
    if (at < size_) std::memmove(data_ + at + count, data_ + at, (size_ - at) * sizeof(T));
    T* out = data_ + at;
    for (; first != last; ++first) ::new (static_cast<void*>(out++)) T(*first);
    size_ += count;
    return data_ + at;
  }

  iterator erase(const_iterator first, const_iterator last) {
    const size_t from = static_cast<size_t>(first - data_);
    const size_t to = static_cast<size_t>(last - data_);
    if (to < size_) std::memmove(data_ + from, data_ + to, (size_ - to) * sizeof(T));
    size_ -= to - from;
    return data_ + from;
  }
  iterator erase(const_iterator pos) { return erase(pos, pos + 1); }

 private:
  T* Inline() { return reinterpret_cast<T*>(inline_); }
  bool IsInline() const { return data_ == reinterpret_cast<const T*>(inline_); }

  void Grow(size_t min_capacity) {
    const size_t capacity = std::max(2 * capacity_, min_capacity);
    T* grown = static_cast<T*>(::operator new(capacity * sizeof(T), std::align_val_t(alignof(T))));
    if (size_ > 0) std::memcpy(static_cast<void*>(grown), data_, size_ * sizeof(T));
    Release();
    data_ = grown;
    capacity_ = capacity;
  }

  // Frees heap storage (the size is kept).
  void Release() {
    if (!IsInline()) ::operator delete(data_, std::align_val_t(alignof(T)));
    data_ = Inline();
    capacity_ = N;
  }

  // Takes other's elements; `this` must be empty and inline.
  void Take(SmallVector* other) {
    if (other->IsInline()) {
      if (other->size_ > 0)
        std::memcpy(static_cast<void*>(data_), other->data_, other->size_ * sizeof(T));
      size_ = other->size_;
    } else {
      data_ = other->data_;
      size_ = other->size_;
      capacity_ = other->capacity_;
      other->data_ = other->Inline();
      other->capacity_ = N;
    }
    other->size_ = 0;
  }

  alignas(T) unsigned char inline_[N * sizeof(T)];
  T* data_;
  size_t size_;
  size_t capacity_;
};

}  // namespace armature::planner
