package main

import (
	"math"
	"math/bits"
)

// histSubBits is the number of bits of each value kept exactly: a value is
// recorded in a bucket no wider than 1/2^histSubBits of it (< 0.8 % error),
// as in HdrHistogram with two significant decimal digits.
const histSubBits = 7

// histSub is the number of buckets per power of two.
const histSub = 1 << histSubBits

// histBuckets covers every uint64: values below 2*histSub are their own
// bucket; above, each octave has histSub buckets.
const histBuckets = (64 - histSubBits + 1) * histSub

// Histogram is a log-linear histogram of non-negative integers (latencies
// in nanoseconds). Record is allocation-free and constant-time; a Histogram
// is not safe for concurrent use (keep one per goroutine and Merge them).
type Histogram struct {
	counts [histBuckets]uint64
	n      uint64
	min    uint64
	max    uint64
	sum    float64
}

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram { return &Histogram{min: math.MaxUint64} }

// histIndex returns the bucket of v.
func histIndex(v uint64) int {
	if v < 2*histSub {
		return int(v)
	}
	shift := bits.Len64(v) - histSubBits - 1
	return (shift+1)*histSub + int(v>>uint(shift)) - histSub
}

// histLow returns the smallest value of bucket i.
func histLow(i int) uint64 {
	if i < 2*histSub {
		return uint64(i)
	}
	shift := i/histSub - 1
	return uint64(i%histSub+histSub) << uint(shift)
}

// histHigh returns the largest value of bucket i.
func histHigh(i int) uint64 {
	if i < 2*histSub {
		return uint64(i)
	}
	shift := i/histSub - 1
	return histLow(i) + (uint64(1) << uint(shift)) - 1
}

// Record adds one value.
func (h *Histogram) Record(v uint64) {
	h.counts[histIndex(v)]++
	h.n++
	h.sum += float64(v)
	if v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
}

// Merge adds every value recorded in o.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.min = min(h.min, o.min)
	h.max = max(h.max, o.max)
}

// Count returns how many values were recorded.
func (h *Histogram) Count() uint64 { return h.n }

// Max returns the largest value recorded (0 when empty).
func (h *Histogram) Max() uint64 { return h.max }

// Min returns the smallest value recorded (0 when empty).
func (h *Histogram) Min() uint64 {
	if h.n == 0 {
		return 0
	}
	return h.min
}

// Mean returns the average of the values recorded (0 when empty).
func (h *Histogram) Mean() float64 {
	if h.n == 0 {
		return 0
	}
	return h.sum / float64(h.n)
}

// Quantile returns a value v such that at least q (0..1) of the recorded
// values are ≤ v: the upper end of the bucket holding that rank, clamped to
// the largest value recorded, so it overstates by less than one bucket
// width. It returns 0 when the histogram is empty.
func (h *Histogram) Quantile(q float64) uint64 {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return max(min(histHigh(i), h.max), h.Min())
		}
	}
	return h.max
}
