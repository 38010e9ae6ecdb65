using System.Text;
using DotNet.Testcontainers.Configurations;

namespace SystemdMatrix.Boot;

/// <summary>
/// Receives the container's console as it is written (Testcontainers attaches it before the container starts, so
/// nothing is missed) and completes <see cref="MultiUserReached"/> the moment systemd prints that it reached
/// multi-user.target. This is the harness's readiness signal: a push from the log stream, not a poll.
/// </summary>
public sealed class BootConsole : IOutputConsumer
{
    private readonly LineSink _sink;

    public BootConsole()
    {
        _sink = new LineSink(this);
    }

    public bool Enabled => true;

    public Stream Stdout => _sink;

    public Stream Stderr => _sink;

    /// <summary>Completes when the console shows "Reached target ... Multi-User System".</summary>
    public Task MultiUserReached => ReachedSource.Task;

    /// <summary>Everything received so far, raw.</summary>
    public string Captured => _sink.Text;

    private TaskCompletionSource ReachedSource { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Dispose() => _sink.Dispose();

    private sealed class LineSink(BootConsole owner) : Stream
    {
        private readonly StringBuilder _all = new();
        private readonly StringBuilder _line = new();
        private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();

        public string Text
        {
            get
            {
                lock (_all)
                {
                    return _all.ToString();
                }
            }
        }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            var chars = new char[_decoder.GetCharCount(buffer, flush: false)];
            _decoder.GetChars(buffer, chars, flush: false);
            lock (_all)
            {
                _all.Append(chars);
                foreach (var c in chars)
                {
                    if (c == '\n')
                    {
                        OnLine(_line.ToString());
                        _line.Clear();
                    }
                    else
                    {
                        _line.Append(c);
                    }
                }
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        private void OnLine(string raw)
        {
            if (BootLog.IsMultiUserReached(BootLog.Normalise(raw)))
            {
                owner.ReachedSource.TrySetResult();
            }
        }
    }
}
