// Package integration tests the engine on the real store adapters, as a
// host runs it: a fleet of processes sharing PostgreSQL (and PostgreSQL
// with Redis) that are killed mid-run, servers that restart or drop
// connections mid-turn, and the benchmarks of turns per second on each
// adapter that docs/scaling.md builds on. It has tests only.
package integration
