package loadtest

import "runtime/metrics"

// collections returns how many garbage collections this process, the load
// generator, has finished: a collection during a run pauses the generator,
// and its pause shows in the latencies it measures, as if the server's.
func collections() int64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return int64(s[0].Value.Uint64())
}
