using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace SystemdMatrix.Engines;

/// <summary>
/// How the harness waits for an engine it started to answer: retry the probe at a steady pace on the errors of a
/// socket that is not there yet (or not answering yet), until a deadline.
/// </summary>
public static class Readiness
{
    public static ResiliencePipeline Pipeline(TimeSpan timeout, TimeSpan delay, Type notReady) =>
        new ResiliencePipelineBuilder()
            .AddTimeout(new TimeoutStrategyOptions { Timeout = timeout })
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder()
                    .Handle<HttpRequestException>()
                    .Handle<IOException>()
                    .Handle<System.Net.Sockets.SocketException>()
                    .Handle<Exception>(notReady.IsInstanceOfType),
                BackoffType = DelayBackoffType.Constant,
                Delay = delay,
                MaxRetryAttempts = int.MaxValue,
            })
            .Build();
}
