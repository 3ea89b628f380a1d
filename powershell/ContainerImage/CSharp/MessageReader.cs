// The stdio backend's output, read and parsed on a thread of its own: the pipe is drained while the
// pipeline thread turns earlier answers into output (a backend writing a large answer never waits for
// it), and parsing several engines' answers overlaps with that work. Used where this assembly loads
// (Private/Backend.ps1: Connect-BackendProcess); otherwise the module reads lines on the pipeline thread.
using System;
using System.Collections.Concurrent;
using System.IO;
using System.Threading;

namespace ContainerImage
{
    // A line that is not JSON, kept with why, for the reader on the pipeline thread to report.
    public sealed class UnreadableMessage
    {
        public UnreadableMessage(string line, string error) { Line = line; Error = error; }
        public string Line { get; }
        public string Error { get; }
    }

    public sealed class MessageReader
    {
        // Bounded: a caller that stops reading (a -Confirm prompt) holds the backend back as a full pipe would.
        private readonly BlockingCollection<object> _messages = new BlockingCollection<object>(256);
        private readonly TextReader _reader;

        public MessageReader(TextReader reader)
        {
            _reader = reader;
            new Thread(Run) { IsBackground = true, Name = "ContainerImage backend reader" }.Start();
        }

        // The next message within timeoutMs: true with it (a PSObject, or an UnreadableMessage), or true with
        // null once the backend's output has ended and every message was taken; false when none came in time.
        public bool TryTake(int timeoutMs, out object message)
        {
            if (_messages.TryTake(out message, timeoutMs)) return true;
            message = null;
            return _messages.IsCompleted;
        }

        // The messages read and not yet taken.
        public int Count => _messages.Count;

        private void Run()
        {
            try
            {
                string line;
                while ((line = _reader.ReadLine()) != null)
                {
                    object message = JsonMessage.Parse(line, out string error);
                    _messages.Add(message ?? new UnreadableMessage(line, error));
                }
            }
            catch (Exception exception) when (exception is IOException || exception is ObjectDisposedException)
            {
                // The backend was stopped under us: its output has ended.
            }
            finally
            {
                _messages.CompleteAdding();
            }
        }
    }
}
