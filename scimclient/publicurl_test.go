package scimclient_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/visitly/hostsync/scimclient"
)

func TestPublicURLChangesTenantURLOnly(t *testing.T) {
	var host string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host = r.Host
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"service":"visitly-scimd","version":"t"}`))
	}))
	defer srv.Close()

	tests := []struct {
		public, tenant string
		wantErr        bool
	}{
		{public: "", tenant: srv.URL + "/v1/usersync/SCIM"},
		{public: "https://hosts.example.com", tenant: "https://hosts.example.com/v1/usersync/SCIM"},
		{public: " https://hosts.example.com/ ", tenant: "https://hosts.example.com/v1/usersync/SCIM"},
		{public: "https://proxy.example.com/visitly/v1/usersync/SCIM", tenant: "https://proxy.example.com/visitly/v1/usersync/SCIM"},
		{public: "http://hosts.example.com:8080", tenant: "http://hosts.example.com:8080/v1/usersync/SCIM"},
		{public: "https://hosts.example.com/?aadOptscim062020", wantErr: true},
		{public: "https://hosts.example.com/#x", wantErr: true},
		{public: "https://ann:pw@hosts.example.com", wantErr: true},
		{public: "hosts.example.com", wantErr: true},
		{public: "ftp://hosts.example.com", wantErr: true},
		{public: "https://", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.public, func(t *testing.T) {
			c, err := scimclient.New(srv.URL, scimclient.WithPublicURL(tt.public))
			if tt.wantErr {
				if !errors.Is(err, scimclient.ErrBadURL) {
					t.Fatalf("New with public URL %q: err = %v, want ErrBadURL", tt.public, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.TenantURL() != tt.tenant || c.URL() != srv.URL {
				t.Errorf("TenantURL, URL = %q, %q; want %q, %q", c.TenantURL(), c.URL(), tt.tenant, srv.URL)
			}
			// Calls still go to the service URL, not the public one.
			host = ""
			if _, err := c.Status(context.Background()); err != nil {
				t.Fatal(err)
			}
			if "http://"+host != srv.URL {
				t.Errorf("request went to %q, want %s", host, srv.URL)
			}
		})
	}
}
