//go:build !microreg_gccheck

package microreg

// maybeGC does nothing outside -tags microreg_gccheck (see gccheck_on.go).
func maybeGC() {}
