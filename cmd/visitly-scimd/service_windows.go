//go:build windows

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/windows"
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
	c, err := parseServeFlags(args, io.Discard)
	if err != nil {
		if elog != nil {
			elog.Error(1, "bad service arguments: "+err.Error())
		}
		return true, 2
	}
	var logOut io.Writer = io.Discard
	// Services have no console: log to a file in the data folder, which is
	// the one place the service's account may write (service install).
	if f, err := os.OpenFile(filepath.Join(filepath.Dir(c.db), "visitly-scimd.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); err == nil {
		defer f.Close()
		logOut = f
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
		c, err := parseServeFlags(args[1:], io.Discard)
		if err != nil {
			return err
		}
		// The service starts in C:\Windows\System32: a relative path
		// would name another file there than the one secured here.
		if !filepath.IsAbs(c.db) {
			return usageError("service install needs the full path of --db, e.g. C:\\ProgramData\\Visitly\\hostsync.db")
		}
		dir := filepath.Dir(c.db)
		if err := secureDataFolder(dir); err != nil {
			return fmt.Errorf("give the data folder %s the service's access rules: %w", dir, err)
		}
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		cfg := mgr.Config{
			DisplayName: "Visitly Host Sync (SCIM)",
			Description: "SCIM 2.0 endpoint that Azure AD provisions Visitly hosts into.",
			StartType:   mgr.StartAutomatic,
			// A virtual account rather than LocalSystem; its SID is the
			// service's, which the data folder's rules name.
			ServiceStartName: serviceAccount,
			SidType:          windows.SERVICE_SID_TYPE_UNRESTRICTED,
		}
		runArgs := append([]string{"service", "run"}, args[1:]...)
		s, err := m.CreateService(serviceName, exe, cfg, runArgs...)
		if errors.Is(err, windows.ERROR_INVALID_LEVEL) {
			// Wine's service manager knows no SID types (every Windows
			// since Vista does); CreateService removed the service again.
			cfg.SidType = windows.SERVICE_SID_TYPE_NONE
			s, err = m.CreateService(serviceName, exe, cfg, runArgs...)
		}
		if err != nil {
			return fmt.Errorf("install service: %w", err)
		}
		defer s.Close()
		_ = eventlog.InstallAsEventCreate(serviceName, eventlog.Error|eventlog.Warning|eventlog.Info)
		fmt.Fprintf(stdout, "installed service %s, running as %s; only SYSTEM, Administrators and the service may use %s; start it with `visitly-scimd service start`\n",
			serviceName, serviceAccount, dir)
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
