// The stdio backend started at import on a thread-pool thread, its handshake (request 1) written at once and
// its output read from then on (MessageReader): Python answers the handshake while PowerShell finishes the
// import and the first command, so that command finds the answer waiting. Used by Private/Backend.ps1
// (Start-BackendProcess -Background) where this assembly loads.
using System;
using System.Collections;
using System.Collections.Specialized;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading.Tasks;

namespace ContainerImage
{
    public sealed class StartedBackend
    {
        internal StartedBackend(Process process, MessageReader reader, Task<string> stderr)
        {
            Process = process;
            Reader = reader;
            Stderr = stderr;
        }

        public Process Process { get; }
        public MessageReader Reader { get; }
        public Task<string> Stderr { get; }   // the backend's stderr, drained all along so that it never blocks on it
        public int HandshakeId => 1;
    }

    public static class BackendStart
    {
        // Starts the process of info (its three streams redirected) and writes the handshake request as
        // Send-BackendMessage writes it, with environment (the session's engine variables). A process that
        // dies at once is found when the handshake's answer is read; one that cannot start faults the task.
        public static Task<StartedBackend> Begin(ProcessStartInfo info, IDictionary environment)
        {
            return Task.Run(() =>
            {
                Process process = Process.Start(info);
                Task<string> stderr = process.StandardError.ReadToEndAsync();
                var reader = new MessageReader(process.StandardOutput);
                var handshake = new OrderedDictionary
                {
                    ["jsonrpc"] = "2.0",
                    ["id"] = 1,
                    ["method"] = "handshake",
                    ["params"] = new Hashtable(),
                    ["environment"] = environment,
                };
                // A backend that died at once: reading the handshake's answer says so, with its stderr.
                TryWriteLine(process.StandardInput.BaseStream, JsonMessage.Write(handshake), out _);
                return new StartedBackend(process, reader, stderr);
            });
        }

        // Writes one line (UTF-8) to the backend's stdin: true, or false with why when the backend is gone.
        // Never an exception, which PowerShell would record in $Error and -ErrorVariable even where the
        // caller catches it.
        public static bool TryWriteLine(Stream stream, string line, out string error)
        {
            error = null;
            try
            {
                byte[] bytes = new UTF8Encoding(false).GetBytes(line + "\n");
                stream.Write(bytes, 0, bytes.Length);
                stream.Flush();
                return true;
            }
            catch (Exception exception) when (exception is IOException || exception is ObjectDisposedException)
            {
                error = exception.Message;
                return false;
            }
        }
    }
}
