package condition_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chatflow/chatflow/condition"
)

func TestSchemaDef(t *testing.T) {
	s := condition.Schema{
		"contact": {
			"stage":   {Type: condition.EnumerationProperty, Options: []condition.Option{{Value: "lead", Label: "Lead"}}},
			"untyped": {},
		},
	}
	d := s.Def("contact", "stage")
	assert.Equal(t, condition.EnumerationProperty, d.Type)
	assert.Equal(t, []condition.Option{{Value: "lead", Label: "Lead"}}, d.Options)
	assert.Equal(t, condition.StringProperty, s.Def("contact", "untyped").Type)
	assert.Equal(t, condition.StringProperty, s.Def("contact", "missing").Type)
	assert.Equal(t, condition.StringProperty, s.Def("company", "stage").Type)
	var none condition.Schema
	assert.Equal(t, condition.PropertyDef{Type: condition.StringProperty}, none.Def("contact", "x"))
}

func TestDefaultSchema(t *testing.T) {
	s := condition.DefaultSchema()
	for _, tt := range []struct {
		object, name string
		want         condition.PropertyType
	}{
		{"contact", "email", condition.EmailProperty},
		{"contact", "phone", condition.PhoneProperty},
		{"contact", "mobilephone", condition.PhoneProperty},
		{"contact", "website", condition.URLProperty},
		{"contact", "date_of_birth", condition.DateProperty},
		{"contact", "numemployees", condition.NumberProperty},
		{"contact", "annualrevenue", condition.NumberProperty},
		{"contact", "firstname", condition.StringProperty},
		{"company", "domain", condition.URLProperty},
		{"company", "numberofemployees", condition.NumberProperty},
		{"company", "annualrevenue", condition.NumberProperty},
		{"company", "name", condition.StringProperty},
	} {
		assert.Equal(t, tt.want, s.Def(tt.object, tt.name).Type, "%s.%s", tt.object, tt.name)
	}
	// Each call returns a new map, so a host may add to it.
	s["contact"]["score"] = condition.PropertyDef{Type: condition.NumberProperty}
	assert.Equal(t, condition.StringProperty, condition.DefaultSchema().Def("contact", "score").Type)
}

func TestPropertyTypeValue(t *testing.T) {
	day := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		typ  condition.PropertyType
		in   string
		want any
	}{
		{condition.NumberProperty, "42", int64(42)},
		{condition.NumberProperty, "-7", int64(-7)},
		{condition.NumberProperty, "2.5", 2.5},
		{condition.NumberProperty, "1e3", 1000.0},
		{condition.NumberProperty, "NaN", "NaN"},
		{condition.NumberProperty, "ten", "ten"},
		{condition.NumberProperty, "", ""},
		{condition.BoolProperty, "true", true},
		{condition.BoolProperty, "FALSE", false},
		{condition.BoolProperty, "yes", "yes"},
		{condition.DateProperty, "2026-03-15", day},
		{condition.DateProperty, "15/03/2026", "15/03/2026"},
		{condition.EnumerationProperty, "lead", "lead"},
		{condition.EnumerationProperty, "chat;bots", []string{"chat", "bots"}},
		{condition.StringProperty, "42", "42"},
		{condition.EmailProperty, "true", "true"},
		{condition.PhoneProperty, "+31 20 123 4567", "+31 20 123 4567"},
		{condition.URLProperty, "https://example.com", "https://example.com"},
		{"", "42", "42"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.typ.Value(tt.in), "%s %q", tt.typ, tt.in)
	}
}

// TestPropertyValueInCondition checks that converted values compare as
// conditions expect.
func TestPropertyValueInCondition(t *testing.T) {
	env := newEnv(t)
	s := condition.DefaultSchema()
	props := map[string]string{"numemployees": "120", "date_of_birth": "1990-05-01", "firstname": "Ada"}
	contact := condition.Map{}
	for k, v := range props {
		contact[k] = s.Def("contact", k).Type.Value(v)
	}
	c, err := env.Compile(`contact.numemployees > 50 && contact.date_of_birth < timestamp("2000-01-01T00:00:00Z") && contact.firstname == "Ada"`)
	require.NoError(t, err)
	ok, err := c.Eval(context.Background(), &condition.Vars{Contact: contact})
	require.NoError(t, err)
	assert.True(t, ok)
}
