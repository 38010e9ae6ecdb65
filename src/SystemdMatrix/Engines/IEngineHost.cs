using SystemdMatrix.Model;

namespace SystemdMatrix.Engines;

/// <summary>A running engine the harness started and will remove: a sandbox dockerd or a VM's dockerd.</summary>
public interface IEngineHost : IAsyncDisposable
{
    /// <summary>A short name for logs and labels (the engine or VM id).</summary>
    string Id { get; }

    EngineEndpoint Endpoint { get; }

    EngineInfo Info { get; }

    /// <summary>What was measured about the host the engine runs on.</summary>
    HostIdentity Identity { get; }

    DaemonProfile Profile { get; }
}
