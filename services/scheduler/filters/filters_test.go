package filters

import (
	"strings"
	"testing"
)

func TestComputeFilter(t *testing.T) {
	cases := []struct {
		up, disabled bool
		reason       string
		want         bool
		why          string
	}{
		{true, false, "", true, ""},
		{false, false, "", false, "has not been heard from in a while"},
		{true, true, "maintenance", false, "is disabled, reason: maintenance"},
		{false, true, "", false, "is disabled"},
	}
	for _, c := range cases {
		h := host("h")
		h.ServiceUp, h.ServiceDisabled, h.DisabledReason = c.up, c.disabled, c.reason
		if got := (ComputeFilter{}).HostPasses(h, specFor(nil)); got != c.want {
			t.Errorf("up=%v disabled=%v: HostPasses = %v, want %v", c.up, c.disabled, got, c.want)
		}
		if !c.want {
			if got := (ComputeFilter{}).Explain(h, specFor(nil)); got != c.why {
				t.Errorf("up=%v disabled=%v: Explain = %q, want %q", c.up, c.disabled, got, c.why)
			}
		}
	}
}

func TestAvailabilityZoneFilter(t *testing.T) {
	cases := []struct {
		name              string
		requested         *string // nil: not set
		hostAZ, defaultAZ string
		want              bool
	}{
		{"no zone requested", nil, "az1", "nova", true},
		{"empty zone requested", ptr(""), "az1", "nova", true},
		{"same zone", ptr("az1"), "az1", "nova", true},
		{"other zone", ptr("az2"), "az1", "nova", false},
		{"host in no zone is in the default zone", ptr("nova"), "", "nova", true},
		{"host in no zone is not in a named zone", ptr("az1"), "", "nova", false},
		{"configured default zone", ptr("zone-a"), "", "zone-a", true},
		{"zones are case-sensitive", ptr("AZ1"), "az1", "nova", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := host("h")
			h.AvailabilityZone = c.hostAZ
			s := specFor(nil)
			if c.requested != nil {
				s.AvailabilityZone.Set(*c.requested)
			} else {
				s.AvailabilityZone.SetNull()
			}
			f := AvailabilityZoneFilter{DefaultZone: c.defaultAZ}
			if got := f.HostPasses(h, s); got != c.want {
				t.Errorf("HostPasses = %v, want %v", got, c.want)
			}
			if !c.want && !strings.Contains(f.Explain(h, s), *c.requested) {
				t.Errorf("Explain %q does not name the requested zone", f.Explain(h, s))
			}
		})
	}
}

func TestHypervisorTypeFilter(t *testing.T) {
	cases := []struct {
		name     string
		spec     *string // capabilities:hypervisor_type, nil for none
		hostType string
		want     bool
	}{
		{"not requested", nil, "QEMU", true},
		{"not requested, host type unknown", nil, "", true},
		{"same type", ptr("QEMU"), "QEMU", true},
		{"other type", ptr("ironic"), "QEMU", false},
		{"plain values match exactly, as in nova", ptr("qemu"), "QEMU", false},
		{"<or> alternatives", ptr("<or> KVM <or> QEMU"), "QEMU", true},
		{"<or> none matches", ptr("<or> KVM <or> Xen"), "QEMU", false},
		{"s!= operator", ptr("s!= ironic"), "QEMU", true},
		{"host type unknown", ptr("QEMU"), "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := host("h")
			h.HypervisorType = c.hostType
			f := flavor(512, 1, 1, 0, 0)
			if c.spec != nil {
				f.ExtraSpecs.Set(map[string]string{HypervisorTypeExtraSpec: *c.spec, "hw:cpu_policy": "shared"})
			}
			s := specFor(f)
			if got := (HypervisorTypeFilter{}).HostPasses(h, s); got != c.want {
				t.Errorf("HostPasses = %v, want %v", got, c.want)
			}
			if !c.want && !strings.Contains((HypervisorTypeFilter{}).Explain(h, s), *c.spec) {
				t.Errorf("Explain does not quote the request")
			}
		})
	}
	if !(HypervisorTypeFilter{}).HostPasses(host("h"), specFor(nil)) {
		t.Error("a spec without a flavor was rejected")
	}
}

func TestMatchExtraSpec(t *testing.T) {
	cases := []struct {
		value, req string
		want       bool
	}{
		{"QEMU", "QEMU", true},
		{"QEMU", "KVM", false},
		{"a b", "a b", true}, // first word no operator: plain compare of all of req
		{"", "", true},
		{"8", "= 4", true}, // "=" means at least
		{"3", "= 4", false},
		{"4", "== 4.0", true},
		{"4", "!= 4", false},
		{"5", ">= 4", true},
		{"5", "<= 4", false},
		{"x", "= 4", false}, // not a number: no match
		{"abc", "s== abc", true},
		{"abc", "s!= abc", false},
		{"abc", "s< abd", true},
		{"abc", "s<= abc", true},
		{"abd", "s> abc", true},
		{"abc", "s>= abd", false},
		{"x86_64,avx2", "<in> avx2", true},
		{"x86_64,avx2", "<in> sse5", false},
		{"x86_64,avx2", "<all-in> x86 avx2", true},
		{"x86_64,avx2", "<all-in> x86 sse5", false},
		{"b", "<or> a <or> b <or> c", true},
		{"d", "<or> a <or> b <or> c", false},
		{"<or>", "<or> a <or> b", false}, // the keyword itself is no alternative
		{"a", "<or>", false},
		{"a", "s==", false}, // operator without operand
	}
	for _, c := range cases {
		if got := matchExtraSpec(c.value, c.req); got != c.want {
			t.Errorf("match(%q, %q) = %v, want %v", c.value, c.req, got, c.want)
		}
	}
}

func ptr[T any](v T) *T { return &v }
