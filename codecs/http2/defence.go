package http2

// countRapidReset records a stream the peer reset before it was answered
// (CVE-2023-44487): more than rapidResetLimit of them within
// rapidResetWindow is a connection error ENHANCE_YOUR_CALM.
func (s *session) countRapidReset() error {
	now := s.now()
	cut := now.Add(-rapidResetWindow)
	i := 0
	for i < len(s.resetTimes) && s.resetTimes[i].Before(cut) {
		i++
	}
	if i > 0 {
		n := copy(s.resetTimes, s.resetTimes[i:])
		s.resetTimes = s.resetTimes[:n]
	}
	s.resetTimes = append(s.resetTimes, now)
	if len(s.resetTimes) > rapidResetLimit {
		return s.connError(ErrCodeEnhanceYourCalm, "RST_STREAM", "too many streams reset before they were answered")
	}
	return nil
}
