// Package hugepage advises the kernel to back large arrays with huge
// pages. A board or graph of gigabytes touches its memory at random: with
// 4 KB pages, writing such an array the first time costs a page fault per
// 4 KB and reading it misses the address-translation cache on nearly every
// access. Where transparent huge pages are at "madvise" (most Linux
// distributions' default) only advised memory gets 2 MB pages.
package hugepage
