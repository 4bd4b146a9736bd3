package disclosure

// IsSmall reports whether a cell of kind with this value (and, for medians and
// shares, number of clients) is suppressed for its own sake at threshold th
// (0: DefaultThreshold): the primary rules of Protect.
func IsSmall(kind Kind, value, clients float64, th int) bool {
	if th == 0 {
		th = DefaultThreshold
	}
	_, _, small := primaryNeed(kind, value, clients, float64(th))
	return small
}
