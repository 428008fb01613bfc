package main

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/pflag"
)

// awsOptions are the standard AWS settings of every subcommand that calls
// AWS. Credentials never come from the command line: the standard chain
// (environment, profiles, SSO, IMDS, …) supplies them.
type awsOptions struct {
	profile  string
	region   string
	endpoint string
}

// addFlags registers the AWS flags. The region flag is --aws-region because
// --region is the log filter of ingest.
func (o *awsOptions) addFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.profile, "profile", "", "AWS profile (default: AWS_PROFILE, else the default profile)")
	fs.StringVar(&o.region, "aws-region", "", "region of the AWS clients (default: AWS_REGION, the profile's region, else us-east-1)")
	fs.StringVar(&o.endpoint, "endpoint-url", "", "endpoint of an S3-compatible server or a VPC endpoint (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL)")
}

// load builds the aws.Config from the standard chain and the flags. The
// HTTP client is a BuildableClient so that AWS_CA_BUNDLE applies to it.
func (o *awsOptions) load(ctx context.Context) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
			// Many objects are fetched at once from one endpoint: keep
			// their connections instead of re-opening them.
			tr.MaxIdleConnsPerHost = 64
		})),
	}
	if o.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.profile))
	}
	if o.region != "" {
		opts = append(opts, config.WithRegion(o.region))
	}
	if o.endpoint != "" {
		opts = append(opts, config.WithBaseEndpoint(o.endpoint))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return cfg, nil
}

// customS3Endpoint reports whether S3 requests go anywhere but AWS's own
// endpoints, which then most likely need path-style addressing.
func (o *awsOptions) customS3Endpoint(cfg aws.Config) bool {
	return o.endpoint != "" || cfg.BaseEndpoint != nil || os.Getenv("AWS_ENDPOINT_URL_S3") != ""
}
