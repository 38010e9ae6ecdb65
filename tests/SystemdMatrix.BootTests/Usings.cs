global using NUnit.Framework;

// Cells of one matrix boot side by side on one engine; two at a time is what the CI machine's two cores carry.
[assembly: LevelOfParallelism(2)]
