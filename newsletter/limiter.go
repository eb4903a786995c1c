package newsletter

import (
	"math"
	"sync"
	"time"
)

// limiter is a token bucket whose rate adapts to the server: it halves
// when the server says it is throttling (421, 451, 452) and climbs back
// by a little with every accepted message, never above the configured
// rate. A configured rate of 0 means no limit until the first throttle.
type limiter struct {
	mu     sync.Mutex
	max    float64 // configured messages per second; +Inf for none
	rate   float64 // current
	tokens float64
	last   time.Time
}

// minRate is the floor a throttled send slows to.
const minRate = 1.0

func newLimiter(perSecond float64) *limiter {
	if perSecond <= 0 {
		perSecond = math.Inf(1)
	}
	return &limiter{max: perSecond, rate: perSecond, last: time.Now()}
}

// burst is how many tokens the bucket holds: a tenth of a second's worth,
// at least one, so a limit is smooth rather than bursty.
func (l *limiter) burst() float64 { return max(1, l.rate/10) }

// reserve takes a token and returns how long to wait before using it.
func (l *limiter) reserve() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if math.IsInf(l.rate, 1) {
		return 0
	}
	now := time.Now()
	l.tokens = min(l.burst(), l.tokens+now.Sub(l.last).Seconds()*l.rate)
	l.last = now
	l.tokens--
	if l.tokens >= 0 {
		return 0
	}
	return time.Duration(-l.tokens / l.rate * float64(time.Second))
}

// wait blocks until a message may go, or stop closes (false).
func (l *limiter) wait(stop <-chan struct{}) bool {
	d := l.reserve()
	if d <= 0 {
		select {
		case <-stop:
			return false
		default:
			return true
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-stop:
		return false
	}
}

// throttled halves the rate (from no limit, it starts at 100/s).
func (l *limiter) throttled() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if math.IsInf(l.rate, 1) {
		l.rate = 100
	} else {
		l.rate = max(minRate, l.rate/2)
	}
	l.tokens = min(l.tokens, l.burst())
}

// accepted raises a throttled rate a little: about doubling over as many
// accepted messages as the rate is per second.
func (l *limiter) accepted() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rate >= l.max {
		return
	}
	l.rate += max(0.5, l.rate/100)
	if l.rate >= l.max || (math.IsInf(l.max, 1) && l.rate > 20000) {
		l.rate = l.max
	}
}

// current is the rate now, for logs and tests.
func (l *limiter) current() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rate
}
