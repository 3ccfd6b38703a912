// Package chiptest holds the networks and the architecture that the tests
// of chip and chip/mapping share: the CUBA benchmark, a small Loihi-like
// chip and a topographic chain of layers.
package chiptest
