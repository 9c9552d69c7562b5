package report

// The fixtures, for the tests of package report_test, which can import the
// audit and scan rule catalogues (package report cannot: they import it).
var (
	AuditReportFixture = auditReport
	ScanReportFixture  = scanReport
)
