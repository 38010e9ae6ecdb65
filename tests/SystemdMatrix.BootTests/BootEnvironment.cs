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
    private static readonly ConcurrentDictionary<(HostSpec Host, DaemonProfile Daemon), Lazy<Task<BootSession>>> Sessions = new();
    private static readonly SemaphoreSlim ImageGate = new(1, 1);
    private static readonly Dictionary<string, ImageStatus> ImageStatuses = new(StringComparer.Ordinal);

    public static RepositoryLayout Layout { get; } = RepositoryLayout.Discover(TestContext.CurrentContext.TestDirectory);

    public static SnapshotStore Snapshots { get; } = new(Layout.Fixtures);

    /// <summary>
    /// The matrices the boot tests cover: <c>SYSTEMD_MATRIX_TEST_MATRIX</c> (comma-separated), default <c>smoke</c>
    /// (every container axis on the sandbox engine) and <c>smoke-v2</c> (the seed report on a real cgroup v2 VM host).
    /// </summary>
    public static IReadOnlyList<string> MatrixNames =>
        Settings.HarnessSettings.Current.TestMatrices;

    /// <summary>The checkout's data files, checked against each other once.</summary>
    public static Data.ProjectData Data { get; } = SystemdMatrix.Data.ProjectData.Load(Layout);

    public static MatrixDefinition Definition => Data.Definition;

    /// <summary>The cells of a committed matrix with these ids, checked to be that matrix's own (a renamed axis value fails here, not later).</summary>
    public static IReadOnlyList<Cell> CellsOf(string matrix, IReadOnlyCollection<string> ids)
    {
        var cells = Definition.Expand(Definition.Find(matrix)).Where(c => ids.Contains(c.Id)).ToList();
        Assert.That(cells.Select(c => c.Id), Is.EquivalentTo(ids), $"the cells are the {matrix} matrix's own");
        return cells;
    }

    /// <summary>
    /// Whether cells that can write this machine's own cgroup tree may run on sandbox engines:
    /// <c>SYSTEMD_MATRIX_ALLOW_HOST_WRITES=1</c>, which <c>dotnet cake --target=Test --allow-host-writes=true</c> sets (CI does,
    /// on a machine that is thrown away). Without it they are reported as skipped, with the reason.
    /// </summary>
    public static bool AllowHostWrites => Settings.HarnessSettings.Current.AllowHostWrites;

    public static ImageManifest Manifest => Data.Manifest;

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
            BootSession started;
            try
            {
                started = await session.Value;
            }
            catch (Exception)
            {
                // It never started (missing prerequisite, engine refused its configuration, VM did not boot): the
                // tests that needed it reported why, and the start cleaned up after itself.
                continue;
            }

            await started.DisposeAsync();
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

    /// <summary>The sandbox engine for a daemon profile with the given images loaded (loading more on later calls).</summary>
    public static Task<BootSession> SessionAsync(DaemonProfile profile, IReadOnlyCollection<ImageFacts> images) =>
        SessionAsync(HostSpec.Sandbox, profile, images);

    /// <summary>The engine for a host and daemon profile: a sandbox engine, or a VM booted for it (once per run).</summary>
    public static async Task<BootSession> SessionAsync(HostSpec host, DaemonProfile profile, IReadOnlyCollection<ImageFacts> images)
    {
        var session = await Sessions.GetOrAdd((host, profile), key => new Lazy<Task<BootSession>>(() => StartSessionAsync(key.Host, key.Daemon))).Value;
        await session.EnsureLoadedAsync(images, Log, CancellationToken.None);
        return session;
    }

    /// <summary>The providers of the hosts the tests boot on; their VM disks come from the default cache.</summary>
    public static HostProviders Providers { get; } = new(Layout, new ImageCache(ImageCache.DefaultRoot));

    /// <summary>The one decision sequence of <c>run</c>, with the consent the tests were given.</summary>
    public static CellDecider Decider { get; } = new(Definition, AllowHostWrites);

    /// <summary>A new session of its own on a new engine (a new sandbox engine, or a newly booted VM); the caller removes it.</summary>
    public static Task<BootSession> NewSessionAsync(HostSpec host, DaemonProfile profile, IReadOnlyCollection<ImageFacts> images, string purpose, CancellationToken cancellationToken) =>
        Providers.For(host).StartSessionAsync(host, profile, images, new Boot.CellRunnerOptions { Catalogue = Data.Signatures }, purpose, Log, cancellationToken);

    private static Task<BootSession> StartSessionAsync(HostSpec host, DaemonProfile profile) =>
        NewSessionAsync(host, profile, [], $"boot tests ({host.Name}, {profile.Name})", CancellationToken.None);
}
