using System.Collections.Concurrent;
using SystemdMatrix.Engines;
using SystemdMatrix.Images;
using SystemdMatrix.Matrix;
using SystemdMatrix.Model;
using SystemdMatrix.Runs;
using SystemdMatrix.Snapshots;

namespace SystemdMatrix.BootTests;

/// <summary>
/// What the boot tests share: the checkout, the images (built or taken from the cache once per run), and one sandbox
/// engine per daemon profile, started on first use and torn down after the last test (or on Ctrl-C).
/// </summary>
[SetUpFixture]
public sealed class BootEnvironment
{
    private static readonly ConcurrentDictionary<DaemonProfile, Lazy<Task<BootSession>>> Sessions = new();
    private static readonly SemaphoreSlim ImageGate = new(1, 1);
    private static readonly Dictionary<string, ImageStatus> ImageStatuses = new(StringComparer.Ordinal);

    public static RepositoryLayout Layout { get; } = RepositoryLayout.Discover(TestContext.CurrentContext.TestDirectory);

    public static SnapshotStore Snapshots { get; } = new(Layout.Fixtures);

    /// <summary>The matrix the boot tests cover: <c>SYSTEMD_MATRIX_TEST_MATRIX</c>, default <c>smoke</c>.</summary>
    public static string MatrixName => Environment.GetEnvironmentVariable("SYSTEMD_MATRIX_TEST_MATRIX") ?? "smoke";

    public static MatrixDefinition Definition { get; } = MatrixDefinition.Load(Layout.Matrices);

    public static ImageManifest Manifest { get; } = ImageManifest.Load(Layout.Manifest);

    [OneTimeSetUp]
    public void BeforeAll()
    {
        // dotnet test does not turn Ctrl-C into cancellation of the test host; tear the engines down on signals.
        EngineLifetime.TearDownOnSignals();
    }

    [OneTimeTearDown]
    public async Task AfterAll()
    {
        foreach (var session in Sessions.Values.Where(s => s.IsValueCreated))
        {
            try
            {
                await (await session.Value).DisposeAsync();
            }
            catch (Exception ex) when (ex is EngineStartException or PrerequisiteException)
            {
                // It never started; its failure was reported by the tests that needed it.
            }
        }
    }

    public static void Log(string message) => TestContext.Progress.WriteLine($"{DateTime.Now:HH:mm:ss} {message}");

    /// <summary>The image's status, building it (once per run) if the cache lacks it.</summary>
    public static async Task<ImageStatus> ImageAsync(string name)
    {
        await ImageGate.WaitAsync();
        try
        {
            if (!ImageStatuses.TryGetValue(name, out var status))
            {
                status = (await ImageSet.EnsureAsync(Layout, Manifest, [Manifest.Find(name)], new ImageCache(ImageCache.DefaultRoot), Log, CancellationToken.None))[0];
                ImageStatuses[name] = status;
            }

            return status;
        }
        finally
        {
            ImageGate.Release();
        }
    }

    /// <summary>The engine for a daemon profile with the given images loaded (loading more on later calls).</summary>
    public static async Task<BootSession> SessionAsync(DaemonProfile profile, IReadOnlyCollection<ImageFacts> images)
    {
        var session = await Sessions.GetOrAdd(profile, p => new Lazy<Task<BootSession>>(() =>
            BootSession.StartAsync(p, [], $"boot tests ({p.Name})", Log, CancellationToken.None))).Value;
        await session.EnsureLoadedAsync(images, Log, CancellationToken.None);
        return session;
    }
}
