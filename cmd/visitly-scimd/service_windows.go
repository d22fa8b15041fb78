//go:build windows

package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"
	"golang.org/x/sys/windows/svc/mgr"
)

const serviceName = "VisitlyHostSync"

// runningAsService runs `serve` under the Windows service control manager when
// the process was started by it; it reports whether it did.
func runningAsService() bool {
	is, err := svc.IsWindowsService()
	if err != nil || !is {
		return false
	}
	code := 0
	if err := svc.Run(serviceName, &winService{args: os.Args[1:]}); err != nil {
		code = 1
	}
	os.Exit(code)
	return true
}

type winService struct{ args []string }

// Execute is called by the service control manager.
func (s *winService) Execute(_ []string, req <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	status <- svc.Status{State: svc.StartPending}
	args := s.args
	if len(args) > 0 && args[0] == "serve" {
		args = args[1:]
	}
	elog, _ := eventlog.Open(serviceName)
	var logOut io.Writer = io.Discard
	if dir, err := os.UserCacheDir(); err == nil {
		// Services have no console: log to a file beside the service's cache.
		if f, err := os.OpenFile(filepath.Join(dir, "visitly-scimd.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); err == nil {
			defer f.Close()
			logOut = f
		}
	}
	c, err := parseServeFlags(args, logOut)
	if err != nil {
		if elog != nil {
			elog.Error(1, "bad service arguments: "+err.Error())
		}
		return true, 2
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, c, logOut) }()
	status <- svc.Status{State: svc.Running, Accepts: svc.AcceptStop | svc.AcceptShutdown}
	for {
		select {
		case err := <-done:
			cancel()
			if err != nil {
				if elog != nil {
					elog.Error(1, err.Error())
				}
				return true, 1
			}
			return false, 0
		case r := <-req:
			switch r.Cmd {
			case svc.Interrogate:
				status <- r.CurrentStatus
			case svc.Stop, svc.Shutdown:
				status <- svc.Status{State: svc.StopPending}
				cancel()
				select {
				case <-done:
				case <-time.After(20 * time.Second):
				}
				return false, 0
			}
		}
	}
}

// runService installs, removes, starts or stops the Windows service. install
// takes the serve flags the service will run with, e.g.
// `visitly-scimd service install --db C:\ProgramData\Visitly\hostsync.db --listen :8443 --tls-cert … --tls-key …`.
func runService(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return usageError("service needs install, uninstall, start or stop")
	}
	if args[0] == "run" {
		// What `service install` registers: serve under the service manager,
		// told so explicitly. svc.IsWindowsService (runningAsService) guesses
		// it from the parent process, which Wine does not report.
		if err := svc.Run(serviceName, &winService{args: args[1:]}); err != nil {
			return fmt.Errorf("service run is for the service manager only: %w", err)
		}
		return nil
	}
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("connect to the service manager (run as Administrator): %w", err)
	}
	defer m.Disconnect()
	switch args[0] {
	case "install":
		if _, err := parseServeFlags(args[1:], io.Discard); err != nil {
			return err
		}
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		s, err := m.CreateService(serviceName, exe, mgr.Config{
			DisplayName: "Visitly Host Sync (SCIM)",
			Description: "SCIM 2.0 endpoint that Azure AD provisions Visitly hosts into.",
			StartType:   mgr.StartAutomatic,
		}, append([]string{"service", "run"}, args[1:]...)...)
		if err != nil {
			return fmt.Errorf("install service: %w", err)
		}
		defer s.Close()
		_ = eventlog.InstallAsEventCreate(serviceName, eventlog.Error|eventlog.Warning|eventlog.Info)
		fmt.Fprintf(stdout, "installed service %s; start it with `visitly-scimd service start`\n", serviceName)
		return nil
	case "uninstall":
		s, err := m.OpenService(serviceName)
		if err != nil {
			return fmt.Errorf("service %s is not installed: %w", serviceName, err)
		}
		defer s.Close()
		if err := s.Delete(); err != nil {
			return fmt.Errorf("remove service: %w", err)
		}
		_ = eventlog.Remove(serviceName)
		fmt.Fprintf(stdout, "removed service %s (its database is kept)\n", serviceName)
		return nil
	case "start", "stop":
		s, err := m.OpenService(serviceName)
		if err != nil {
			return fmt.Errorf("service %s is not installed: %w", serviceName, err)
		}
		defer s.Close()
		if args[0] == "start" {
			err = s.Start()
		} else {
			_, err = s.Control(svc.Stop)
		}
		if err != nil {
			return fmt.Errorf("%s service: %w", args[0], err)
		}
		fmt.Fprintf(stdout, "%s requested for %s\n", args[0], serviceName)
		return nil
	}
	return usageError("unknown service command %q", args[0])
}
