# A real terminal for tests: Debian's tmux, driven as a person would (keys in, screen out). Each terminal is
# a tmux server of its own on a socket in the sandbox, with one 80x30 window. Tests wait for what the screen
# shows (Wait-TerminalText) or for a condition (Wait-Condition), never for a fixed time.

function Start-Terminal {
    # A terminal running $Command (default: pwsh, no profile), once it shows $Prompt (a regex; keys typed
    # before a shell reads its first line may be lost). The command gets this process's environment and
    # then $Environment. Returns the terminal; stop it with Stop-Terminal.
    param([string[]] $Command = @((Get-Command pwsh).Source, '-NoProfile', '-NoLogo'), [string] $Prompt = '^PS .*> ?$',
          [hashtable] $Environment = @{})
    $socket = Join-Path $env:CONTAINERIMAGE_SANDBOX "tmux-$([guid]::NewGuid().ToString('n').Substring(0, 8))"
    $arguments = @('-S', $socket, '-f', '/dev/null', 'new-session', '-d', '-x', '80', '-y', '30')
    foreach ($name in $Environment.Keys) { $arguments += '-e', "$name=$($Environment[$name])" }
    $output = & tmux @arguments @Command 2>&1
    if ($LASTEXITCODE -ne 0) { throw "tmux could not start a terminal: $output" }
    $terminal = [pscustomobject]@{ Socket = $socket }
    try { $null = Wait-TerminalText $terminal $Prompt } catch { Stop-Terminal $terminal; throw }
    $terminal
}

function Stop-Terminal {
    # Ends the terminal's tmux server and what runs in it (tmux hangs up its window).
    param($Terminal)
    if ($Terminal) { & tmux -S $Terminal.Socket kill-server 2>&1 | Out-Null }
}

function Send-TerminalLine {
    # Types a line and presses Enter.
    param([Parameter(Mandatory)] $Terminal, [Parameter(Mandatory)] [string] $Line)
    & tmux -S $Terminal.Socket send-keys -l $Line
    & tmux -S $Terminal.Socket send-keys Enter
}

function Send-TerminalInterrupt {
    # Ctrl+C, as a person presses it: the terminal sends SIGINT to its foreground process group.
    param([Parameter(Mandatory)] $Terminal)
    & tmux -S $Terminal.Socket send-keys C-c
}

function Get-TerminalScreen {
    # What the terminal shows (with what scrolled off), wrapped lines joined.
    param([Parameter(Mandatory)] $Terminal)
    (& tmux -S $Terminal.Socket capture-pane -p -J -S -200) -join "`n"
}

function Wait-Condition {
    # Waits until $Condition returns true, up to $TimeoutSeconds; returns whether it did.
    param([Parameter(Mandatory)] [scriptblock] $Condition, [double] $TimeoutSeconds = 60)
    $deadline = [datetime]::UtcNow.AddSeconds($TimeoutSeconds)
    while (-not (& $Condition)) {
        if ([datetime]::UtcNow -gt $deadline) { return $false }
        Start-Sleep -Milliseconds 50
    }
    $true
}

function Wait-TerminalText {
    # Waits until the screen matches $Pattern (a regex; ^ and $ match at line ends); returns the match,
    # or fails the test with the screen in its message.
    param([Parameter(Mandatory)] $Terminal, [Parameter(Mandatory)] [string] $Pattern, [double] $TimeoutSeconds = 60)
    $regex = [regex]::new($Pattern, 'Multiline')
    $deadline = [datetime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ($true) {
        $screen = Get-TerminalScreen $Terminal
        $found = $regex.Match($screen)
        if ($found.Success) { return $found }
        if ([datetime]::UtcNow -gt $deadline) { throw "The terminal did not show /$Pattern/ within $TimeoutSeconds s. It shows:`n$screen" }
        Start-Sleep -Milliseconds 100
    }
}
