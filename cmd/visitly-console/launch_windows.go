//go:build windows

package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/windows"
)

// consoleBuild is "true" only in the console-subsystem build, visitly-console.com
// (-ldflags "-X main.consoleBuild=true"). cmd.exe and PowerShell run
// NAME.com before NAME.exe, so typing `visitly-console hosts` in a terminal
// reaches this build, which runs the subcommand with its output, exit code and
// Ctrl-C; with no subcommand it starts the window (the GUI exe beside it) and
// returns at once, as double-clicking would. The window is the GUI exe of the
// same name beside it (visitly-console.exe).
var consoleBuild string

// showWindow opens the window: in the GUI exe itself after checking that
// OpenGL is usable, or, in the .com, by starting the GUI exe beside it. With
// --measure-startup the .com waits and passes the figure and exit code on, so
// a script can read them.
func showWindow(env *CommandEnv, args []string, measure bool) error {
	if consoleBuild != "true" {
		if err := checkOpenGL(env); err != nil {
			return err
		}
		return runWindow(env, measure)
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the window's program: %w", err)
	}
	gui := strings.TrimSuffix(self, filepath.Ext(self)) + ".exe"
	cmd := exec.Command(gui, args...)
	if !measure {
		// Detached: the window outlives the terminal and never writes into it.
		cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: windows.DETACHED_PROCESS | windows.CREATE_NEW_PROCESS_GROUP}
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("start the window: %w", err)
		}
		return cmd.Process.Release()
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = env.Stdin, env.Stdout, env.Stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return exitCode(ee.ExitCode())
	}
	if err != nil {
		return fmt.Errorf("start the window: %w", err)
	}
	return nil
}
