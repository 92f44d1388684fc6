package validate_test

import (
	"errors"
	"fmt"

	"github.com/chatflow/chatflow/internal/validate"
)

func ExampleEmail() {
	fmt.Println(validate.Email(" Ann.Lee@Example.COM "))
	_, err := validate.Email("Ann Lee <ann@example.com>")
	fmt.Println(errors.Is(err, validate.ErrInvalid), err)
	// Output:
	// Ann.Lee@example.com <nil>
	// true validate: invalid email: only a bare address is accepted
}

func ExamplePhone() {
	fmt.Println(validate.Phone("06 12345678", "NL"))
	fmt.Println(validate.Phone("+1 (202) 555-0143", "NL"))
	// Output:
	// +31612345678 <nil>
	// +12025550143 <nil>
}

func ExampleDate() {
	fmt.Println(validate.Date("3/5/2024", "en-US"))
	fmt.Println(validate.Date("3/5/2024", "nl"))
	_, err := validate.Date("31/02/2024", "nl")
	fmt.Println(err)
	// Output:
	// 2024-03-05 <nil>
	// 2024-05-03 <nil>
	// validate: invalid date: day out of range
}

func ExampleNumber() {
	fmt.Println(validate.Number("1.234,50", "nl"))
	fmt.Println(validate.Number("1,234.50", "en"))
	// Output:
	// 1234.5 <nil>
	// 1234.5 <nil>
}

func ExampleURL() {
	fmt.Println(validate.URL("Example.com/pricing"))
	// Output:
	// https://example.com/pricing <nil>
}

func ExampleEnumeration() {
	sizes := []validate.Option{{Value: "small", Label: "1–10 employees"}, {Value: "large", Label: "More than 10"}}
	fmt.Println(validate.Enumeration("more than 10", sizes))
	// Output:
	// large <nil>
}

func ExampleBool() {
	fmt.Println(validate.Bool("Ja", "nl"))
	// Output:
	// true <nil>
}
