package resource

// Bounds on one request. Duplicate detection and merging are linear, but a
// request is still refused before it makes the service do much: no client
// has a reason to send more.
const (
	// MaxValues is the most values one multi-valued attribute (emails,
	// phoneNumbers, …) may hold.
	MaxValues = 1000
	// MaxMembers is the most group members one request may name.
	MaxMembers = 10000
	// MaxNameBytes is the longest identifying text (userName, displayName,
	// name.*, emails…; text.go), in bytes of UTF-8. Azure AD's
	// userPrincipalName has at most 113 characters and an email address at
	// most 254 bytes; a kilobyte leaves room for any real name while a
	// 100,000-character userName is refused. Other strings are bounded by
	// the body's size (--max-body).
	MaxNameBytes = 1024
)

func tooManyValues(where string, n int) *Error {
	return InvalidValue("%s has %d values; at most %d are accepted (tooMany)", where, n, MaxValues)
}

func tooManyMembers(n int) *Error {
	return InvalidValue("the request names %d or more group members; at most %d are accepted in one request (tooMany)", n, MaxMembers)
}

// maxArray is the most values any JSON array in a request may hold: the
// largest of the limits above. checkArrays enforces it before decoding, so
// that a body of 100,000 emails is refused in the time it takes to scan it,
// not to decode it.
const maxArray = max(MaxValues, MaxMembers)

// checkArrays refuses a body holding an array of more than maxArray values.
// It only counts commas outside strings; malformed JSON is left to the
// decoder to describe.
func checkArrays(data []byte) error {
	var stack []int // per open bracket: commas so far, or -1 for an object
	for i := 0; i < len(data); i++ {
		switch data[i] {
		case '"':
			for i++; i < len(data) && data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		case '[':
			stack = append(stack, 0)
		case '{':
			stack = append(stack, -1)
		case ']', '}':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ',':
			if n := len(stack); n > 0 && stack[n-1] >= 0 {
				stack[n-1]++
				if stack[n-1] >= maxArray {
					return InvalidValue("the body holds an array of more than %d values; at most %d values per attribute and %d group members are accepted in one request (tooMany)", maxArray, MaxValues, MaxMembers)
				}
			}
		}
	}
	return nil
}
